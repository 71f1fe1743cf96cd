# Multi-stage build: compile with Maven, then run the layered jar as a non-root user on a JRE.
# The base images are build arguments so that machines without registry access can substitute local builds
# (src/test/docker/build-images.sh); users get the official images by default.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
# Dependencies in their own layer: rebuilt only when pom.xml changes.
RUN mvn -B -q dependency:go-offline
COPY src/main ./src/main
RUN mvn -B -q -Dmaven.test.skip=true package \
 && mkdir -p /layers \
 && java -Djarmode=tools -jar target/trigger-api-*.jar extract --layers --launcher --destination /layers

FROM ${RUNTIME_IMAGE}
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
