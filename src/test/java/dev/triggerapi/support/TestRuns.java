package dev.triggerapi.support;

import java.time.Instant;
import java.util.List;

import dev.triggerapi.run.NewRun;
import dev.triggerapi.deployment.TriggerSource;

/** Builds {@link NewRun}s for tests: a plain queued run on {@code task/<taskId>} unless told otherwise. */
public final class TestRuns {

    private final String environmentId;
    private final String taskIdentifier;
    private String queue;
    private String payload = "{\"json\":{\"hello\":\"world\"}}";
    private String payloadType = "application/super+json";
    private String metadata;
    private String metadataType;
    private List<String> tags = List.of();
    private String ttl;
    private Long ttlSeconds;
    private String idempotencyKey;
    private Instant idempotencyKeyExpiresAt;
    private int priorityMs;
    private String concurrencyKey;
    private Instant delayUntil;
    private Integer maxAttempts;
    private boolean test;
    private String batchId;

    private TestRuns(String environmentId, String taskIdentifier) {
        this.environmentId = environmentId;
        this.taskIdentifier = taskIdentifier;
        this.queue = "task/" + taskIdentifier;
    }

    public static TestRuns run(String environmentId, String taskIdentifier) {
        return new TestRuns(environmentId, taskIdentifier);
    }

    public TestRuns queue(String queue) {
        this.queue = queue;
        return this;
    }

    public TestRuns payload(String payload, String payloadType) {
        this.payload = payload;
        this.payloadType = payloadType;
        return this;
    }

    public TestRuns metadata(String metadata, String metadataType) {
        this.metadata = metadata;
        this.metadataType = metadataType;
        return this;
    }

    public TestRuns tags(String... tags) {
        this.tags = List.of(tags);
        return this;
    }

    public TestRuns ttl(String ttl, long seconds) {
        this.ttl = ttl;
        this.ttlSeconds = seconds;
        return this;
    }

    public TestRuns idempotencyKey(String key) {
        this.idempotencyKey = key;
        this.idempotencyKeyExpiresAt = Instant.now().plusSeconds(3600);
        return this;
    }

    /** A head start in whole seconds (the API's unit). */
    public TestRuns priority(int seconds) {
        return priorityMs(seconds * 1000);
    }

    /** A head start in milliseconds (the stored unit). */
    public TestRuns priorityMs(int priorityMs) {
        this.priorityMs = priorityMs;
        return this;
    }

    public TestRuns delayUntil(Instant delayUntil) {
        this.delayUntil = delayUntil;
        return this;
    }

    public TestRuns maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    public TestRuns test(boolean test) {
        this.test = test;
        return this;
    }

    public TestRuns batch(String batchId) {
        this.batchId = batchId;
        return this;
    }

    public TestRuns concurrencyKey(String concurrencyKey) {
        this.concurrencyKey = concurrencyKey;
        return this;
    }

    public NewRun build() {
        return new NewRun(
                new NewRun.Placement(environmentId, taskIdentifier, queue, null, null, concurrencyKey, priorityMs, null),
                new NewRun.Payload(payload, payloadType, metadata, metadataType, tags),
                NewRun.Idempotency.of(idempotencyKey, idempotencyKeyExpiresAt),
                new NewRun.Timing(delayUntil, ttl, ttlSeconds, maxAttempts, null),
                new NewRun.Origin(TriggerSource.STANDARD, test, batchId, null));
    }
}
