package dev.triggerapi.realtime;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;

import com.zaxxer.hikari.HikariDataSource;
import dev.triggerapi.api.JsonErrorWriter;
import dev.triggerapi.concurrent.DaemonThreads;
import dev.triggerapi.datasource.ReplicaDataSourceProperties;
import dev.triggerapi.datasource.ReplicaFirstReader;
import dev.triggerapi.environment.ApiKeyAuthenticator;
import dev.triggerapi.environment.EnvironmentSecretKeys;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the realtime feature: change publishing, the Redis subscriptions, the replica-lag estimator and its
 * sources, the feed hub, public access tokens and the {@code /realtime/**} authentication and CORS.
 */
@Configuration(proxyBeanMethods = false)
class RealtimeConfiguration {

    /** Change records waiting for Redis beyond this are dropped (and left to the backstop poll). */
    private static final int PUBLISH_QUEUE = 10_000;

    @Bean
    RealtimeMetrics realtimeMetrics(MeterRegistry registry, Clock clock) {
        return new RealtimeMetrics(registry, clock);
    }

    @Bean
    RunViewReader runViewReader(JdbcClient jdbc, ReplicaFirstReader replicaFirst, JsonMapper json,
                                RealtimeProperties settings, ReplicaDataSourceProperties replica) {
        return new RunViewReader(jdbc, replicaFirst, json, replica.configured() && !settings.runReadsFromPrimary());
    }

    @Bean
    ReplicaLagEstimator replicaLagEstimator(RealtimeProperties settings, Clock clock,
                                            @Qualifier("writerDataSource") HikariDataSource writer,
                                            @Qualifier("replicaDataSource") ObjectProvider<HikariDataSource> replica) {
        List<ReplicaLagSource> sources = new ArrayList<>();
        HikariDataSource replicaPool = replica.getIfAvailable();
        if (replicaPool != null) {
            JdbcTemplate onReplica = probe(replicaPool, settings);
            sources.add(AuroraReplicaLagSource.on(onReplica));
            sources.add(PostgresReplicaLagSource.on(onReplica, probe(writer, settings)));
        }
        return new ReplicaLagEstimator(settings.replicaLag(), sources, clock);
    }

    @Bean
    ReplayFence realtimeReplayFence(RealtimeProperties settings, RunViewReader reader,
                                    @Qualifier("writerDataSource") HikariDataSource writer,
                                    @Qualifier("replicaDataSource") ObjectProvider<HikariDataSource> replica) {
        HikariDataSource replicaPool = replica.getIfAvailable();
        if (replicaPool == null || !reader.readsFromReplica()) {
            return ReplayFence.NONE;
        }
        return ReplayFence.postgres(probe(writer, settings), probe(replicaPool, settings));
    }

    /** Small monitoring queries with a timeout, straight on a pool (no transaction routing needed). */
    private static JdbcTemplate probe(HikariDataSource pool, RealtimeProperties settings) {
        JdbcTemplate template = new JdbcTemplate(pool);
        template.setQueryTimeout((int) Math.max(1, settings.replicaLag().queryTimeout().toSeconds()));
        return template;
    }

    @Bean
    ReplicaLagSampler replicaLagSampler(ReplicaLagEstimator estimator, RealtimeProperties settings,
                                        RunViewReader reader) {
        return new ReplicaLagSampler(estimator, settings.replicaLag().sampleInterval(), reader.readsFromReplica());
    }

    @Bean
    RedisMessageListenerContainer realtimeListenerContainer(RedisConnectionFactory connections) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(connections);
        // One dispatch thread: records of a channel are handled in publish order, cheaply.
        container.setTaskExecutor(Executors.newSingleThreadExecutor(DaemonThreads.named("realtime-redis-dispatch")));
        container.setRecoveryInterval(1000);
        return container;
    }

    @Bean
    RunFeedHub runFeedHub(RealtimeProperties settings, RunViewReader reader, ReplicaLagEstimator estimator,
                          @Qualifier("realtimeListenerContainer") RedisMessageListenerContainer container,
                          ReplayFence fence, StringRedisTemplate redis, JsonMapper json, RealtimeMetrics metrics,
                          Clock clock) {
        ExecutorService subscriber = Executors.newSingleThreadExecutor(DaemonThreads.named("realtime-redis-subscribe"));
        RunFeedHub hub = new RunFeedHub("realtime", settings, reader, estimator,
                new RedisRunChangeSubscriptions(container, redis, json, subscriber), fence, metrics, clock,
                RandomGenerator.getDefault());
        metrics.gauges(hub::activeSubscriptions, estimator::current);
        return hub;
    }

    @Bean
    ShapeStreamProtocol shapeStreamProtocol(RunFeedHub hub, RealtimeProperties settings, RealtimeMetrics metrics,
                                            Clock clock, JsonMapper json) {
        if (settings.shape().sessionBuffer() < settings.feed().initialLimit()) {
            throw new IllegalStateException("trigger-api.realtime.shape.session-buffer (REALTIME_SHAPE_SESSION_BUFFER) "
                    + "must be at least trigger-api.realtime.feed.initial-limit (REALTIME_FEED_INITIAL_LIMIT)");
        }
        ShapeStreamProtocol protocol = new ShapeStreamProtocol(hub, settings.shape(), metrics, clock, json);
        metrics.shapeGauges(protocol::heldPolls, protocol::sessions);
        return protocol;
    }

    /** The publisher's one thread, which runs its drain loop until shutdown interrupts it. */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService realtimePublishExecutor() {
        return Executors.newSingleThreadExecutor(DaemonThreads.named("realtime-publish"));
    }

    @Bean
    RunChangePublisher runChangePublisher(StringRedisTemplate redis, JsonMapper json,
                                          @Qualifier("realtimePublishExecutor") ExecutorService realtimePublishExecutor,
                                          RealtimeMetrics metrics, Clock clock) {
        return new RunChangePublisher(redis, json, realtimePublishExecutor, metrics, clock, PUBLISH_QUEUE);
    }

    @Bean
    PublicAccessTokens publicAccessTokens(RealtimeProperties settings, Clock clock, JsonMapper json) {
        return PublicAccessTokens.from(settings.publicTokens(), clock, json);
    }

    @Bean
    SdkPublicTokens sdkPublicTokens(EnvironmentSecretKeys keys, Clock clock) {
        return new SdkPublicTokens(keys, clock);
    }

    @Bean
    FilterRegistrationBean<RealtimeAuthenticationFilter> realtimeAuthenticationFilter(ApiKeyAuthenticator apiKeys,
                                                                                     PublicAccessTokens tokens,
                                                                                     SdkPublicTokens sdkTokens,
                                                                                     JsonErrorWriter errors) {
        FilterRegistrationBean<RealtimeAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new RealtimeAuthenticationFilter(apiKeys, tokens, sdkTokens, errors));
        registration.addUrlPatterns("/realtime/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 21);
        registration.setAsyncSupported(true);
        return registration;
    }

    @Bean
    WebMvcConfigurer realtimeCors(RealtimeProperties settings) {
        return new WebMvcConfigurer() {
            @Override
            public void addCorsMappings(CorsRegistry registry) {
                registry.addMapping("/realtime/**")
                        .allowedOriginPatterns(settings.feed().corsAllowedOrigins().toArray(String[]::new))
                        .allowedMethods("GET")
                        .allowedHeaders("*")
                        .exposedHeaders(ShapeStreamProtocol.RESPONSE_HEADERS.toArray(String[]::new))
                        .maxAge(3600);
            }
        };
    }

}
