package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;

/**
 * A writer connection that dies between the last statement and the commit (a primary restart or a network cut at
 * the worst moment) surfaces as whatever the transaction manager makes of it, not as one of the data-access
 * "resource failure" types. The client must still get a retryable 503, not a 500.
 */
@IntegrationTest
class ConnectionLossAnswerTest {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApiExceptionHandler handler;

    @Test
    void aConnectionLostAtCommitIsARetryable503() throws Exception {
        Throwable failure = catchThrowable(() -> new TransactionTemplate(transactions).executeWithoutResult(status -> {
            int pid = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
            jdbc.sql("CREATE TEMP TABLE connection_loss_probe (n int)").update();
            terminate(pid);
        }));

        assertThat(failure).as("the commit failed").isNotNull();
        ResponseEntity<ApiError> answer = answer((Exception) failure);
        assertThat(answer.getStatusCode()).as("answer to %s", failure).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(answer.getBody().error()).doesNotContainIgnoringCase("sql").doesNotContainIgnoringCase("exception");
    }

    @Test
    void aConnectionLostMidTransactionIsARetryable503EvenWhenTheRollbackFailsToo() throws Exception {
        Throwable failure = catchThrowable(() -> new TransactionTemplate(transactions).executeWithoutResult(status -> {
            int pid = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
            jdbc.sql("CREATE TEMP TABLE connection_loss_probe (n int)").update();
            terminate(pid);
            // The next statement meets the dead socket; the rollback that follows fails on it as well.
            jdbc.sql("INSERT INTO connection_loss_probe VALUES (1)").update();
        }));

        assertThat(failure).as("the transaction failed").isNotNull();
        ResponseEntity<ApiError> answer = answer((Exception) failure);
        assertThat(answer.getStatusCode()).as("answer to %s", failure).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
    }

    /** Resolves the handler method as Spring MVC does for a controller's exception, and invokes it. */
    @SuppressWarnings("unchecked")
    private ResponseEntity<ApiError> answer(Exception failure) throws Exception {
        Method method = new ExceptionHandlerMethodResolver(ApiExceptionHandler.class).resolveMethod(failure);
        assertThat(method).isNotNull();
        method.setAccessible(true);
        return (ResponseEntity<ApiError>) method.invoke(handler, failure);
    }

    /** Ends the backend from another connection and waits until it is gone, so the commit meets a dead socket. */
    private static void terminate(int pid) {
        try (Connection admin = DriverManager.getConnection(Cluster.get().writerJdbcUrl(), Cluster.get().username(), "");
             Statement s = admin.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + pid + ")");
            Awaitility.await().until(() -> {
                try (var rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            });
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
