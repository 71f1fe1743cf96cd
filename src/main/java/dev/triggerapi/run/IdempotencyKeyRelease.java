package dev.triggerapi.run;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Releases an idempotency key on the writer: the run holding it keeps running but no longer holds the key, so
 * the next trigger with the key creates a new run (the same release {@link RunCreator} applies to a key whose
 * run failed). The unique index on (environment, task, key) makes the release and a concurrent trigger with the
 * key serialize: the trigger either finds the old run before the release commits or inserts after it.
 */
@Service
public class IdempotencyKeyRelease {

    // SQL is the point: one conditional UPDATE that clears the key on whichever run holds it.
    private final JdbcClient jdbc;

    IdempotencyKeyRelease(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @return how many runs held the key (0 or 1; 0 means there was nothing to release) */
    @Transactional
    public int release(String environmentId, String taskIdentifier, String idempotencyKey) {
        return jdbc.sql("""
                        UPDATE task_runs SET idempotency_key = NULL, idempotency_key_expires_at = NULL
                        WHERE runtime_environment_id = ? AND task_identifier = ? AND idempotency_key = ?""")
                .params(environmentId, taskIdentifier, idempotencyKey).update();
    }
}
