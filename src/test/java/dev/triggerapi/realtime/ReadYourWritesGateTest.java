package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReadYourWritesGateTest {

    private static final Instant NOW = Instant.parse("2025-01-01T00:00:10Z");
    private final ReadYourWritesGate gate = new ReadYourWritesGate(Duration.ofMillis(10), Duration.ofSeconds(1));

    private static RunChangeRecord committed(String run, long millisAgo) {
        return RunChangeRecord.of(run, "run_" + run, "env", NOW.minusMillis(millisAgo));
    }

    @Test
    void freshRecordsWaitUntilNewestWatermarkPlusLagPlusMargin() {
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("a", 50), committed("b", 20)), NOW, Duration.ofMillis(200));

        assertThat(plan.ready()).isEmpty();
        assertThat(plan.waiting()).extracting(RunChangeRecord::runId).containsExactly("a", "b");
        // newest watermark = now - 20 ms; + 200 ms lag + 10 ms margin = now + 190 ms
        assertThat(plan.delay()).isEqualTo(Duration.ofMillis(190));
    }

    @Test
    void recordLongerInTransitThanTheLagIsHydratedAtOnce() {
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("old", 250), committed("new", 5)), NOW, Duration.ofMillis(200));

        assertThat(plan.ready()).extracting(RunChangeRecord::runId).containsExactly("old");
        assertThat(plan.waiting()).extracting(RunChangeRecord::runId).containsExactly("new");
        assertThat(plan.delay()).isEqualTo(Duration.ofMillis(205));
    }

    @Test
    void onlyOldRecordsMeansNoWait() {
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("a", 500)), NOW, Duration.ofMillis(30));
        assertThat(plan.ready()).hasSize(1);
        assertThat(plan.waiting()).isEmpty();
        assertThat(plan.delay()).isZero();
    }

    @Test
    void waitIsCappedAtMaxWait() {
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("a", 0)), NOW, Duration.ofSeconds(30));
        assertThat(plan.delay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void zeroLagStillWaitsTheMarginForAJustCommittedWrite() {
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("a", 0)), NOW, Duration.ZERO);
        assertThat(plan.waiting()).hasSize(1);
        assertThat(plan.delay()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void watermarkAheadOfTheLocalClockWaitsForTheFullGate() {
        // Clock skew: the database's timestamp is 30 ms ahead of ours.
        ReadYourWritesGate.Plan plan = gate.plan(List.of(committed("a", -30)), NOW, Duration.ofMillis(100));
        assertThat(plan.delay()).isEqualTo(Duration.ofMillis(140));
    }

    @Test
    void initialReadWaitsForWhatCommittedBeforeTheSubscription() {
        assertThat(gate.delaySince(NOW, NOW, Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(210));
        assertThat(gate.delaySince(NOW.minusMillis(500), NOW, Duration.ofMillis(200))).isZero();
    }
}
