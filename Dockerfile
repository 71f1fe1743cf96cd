# syntax=docker/dockerfile:1
# Multi-stage build: compile with Maven, then run the layered jar as a non-root user on a JRE.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q -DskipTests package \
 && mkdir -p /layers \
 && java -Djarmode=tools -jar target/trigger-api-*.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:17-jre
RUN groupadd --system app && useradd --system --gid app --home /app app
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER app
EXPOSE 3030
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# An external database is expected in containers: the embedded cluster is for local runs and tests.
ENV LOCAL_CLUSTER_ENABLED=false
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
