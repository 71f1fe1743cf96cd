package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReplicaLagEstimatorTest {

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final RealtimeProperties.ReplicaLag settings = new RealtimeProperties.ReplicaLag(Duration.ofMillis(250),
            Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(30), Duration.ofSeconds(60),
            Duration.ofSeconds(60), Duration.ofSeconds(1));

    /** A source answering from a script; the last answer repeats. */
    private static final class ScriptedSource implements ReplicaLagSource {
        final Deque<LagReading> script = new ArrayDeque<>();
        final AtomicInteger reads = new AtomicInteger();
        private final String name;

        ScriptedSource(String name, LagReading... readings) {
            this.name = name;
            script.addAll(List.of(readings));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public LagReading read() {
            reads.incrementAndGet();
            return script.size() > 1 ? script.removeFirst() : script.peekFirst();
        }
    }

    private static LagReading ms(long millis) {
        return LagReading.of(Duration.ofMillis(millis));
    }

    private ReplicaLagEstimator estimator(ReplicaLagSource... sources) {
        ReplicaLagEstimator estimator = new ReplicaLagEstimator(settings, List.of(sources), clock);
        estimator.demand();
        return estimator;
    }

    @Test
    void estimateIsTheDefaultBeforeAnySample() {
        assertThat(estimator().current()).isEqualTo(Duration.ofMillis(30));
    }

    @Test
    void estimateIsTheLargestSampleWithinTheWindow() {
        ScriptedSource source = new ScriptedSource("s", ms(120), ms(300), ms(80));
        ReplicaLagEstimator estimator = estimator(source);

        estimator.sampleIfDue();
        clock.advance(Duration.ofMillis(250));
        estimator.sampleIfDue();
        clock.advance(Duration.ofMillis(250));
        estimator.sampleIfDue();

        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(300));
        // The 300 ms sample leaves the 5 s window; the 80 ms one (taken later) is still inside.
        clock.advance(Duration.ofMillis(4_800));
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(80));
    }

    @Test
    void lastKnownSampleStandsWhenTheWindowIsEmpty() {
        ScriptedSource source = new ScriptedSource("s", ms(200), ms(90));
        ReplicaLagEstimator estimator = estimator(source);
        estimator.sampleIfDue();
        clock.advance(Duration.ofMillis(250));
        estimator.sampleIfDue();

        clock.advance(Duration.ofSeconds(10));

        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(90));
    }

    @Test
    void unknownReadingsAreNotSamples() {
        ScriptedSource source = new ScriptedSource("s", LagReading.unknown());
        ReplicaLagEstimator estimator = estimator(source);
        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(30));
        assertThat(estimator.sourceName()).isEqualTo("s");
    }

    @Test
    void tripwireObservationFloorsTheEstimateForSixtySeconds() {
        ScriptedSource source = new ScriptedSource("s", ms(40));
        ReplicaLagEstimator estimator = estimator(source);
        estimator.sampleIfDue();

        estimator.observeStale(Duration.ofMillis(450));
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(450));

        clock.advance(Duration.ofSeconds(59));
        estimator.demand();
        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(450));

        clock.advance(Duration.ofSeconds(2));
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(40));
    }

    @Test
    void aLargerSampleBeatsTheFloor() {
        ScriptedSource source = new ScriptedSource("s", ms(700));
        ReplicaLagEstimator estimator = estimator(source);
        estimator.observeStale(Duration.ofMillis(450));
        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(700));
    }

    @Test
    void estimateIsClampedToZeroAndTheMaximum() {
        ScriptedSource source = new ScriptedSource("s", LagReading.of(Duration.ofMillis(-5)), LagReading.of(Duration.ofMinutes(5)));
        ReplicaLagEstimator estimator = estimator(source);

        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ZERO);

        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ofSeconds(60));

        estimator.observeStale(Duration.ofHours(1));
        assertThat(estimator.current()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void samplingStopsAfterThirtySecondsWithoutFeedActivity() {
        ScriptedSource source = new ScriptedSource("s", ms(50));
        ReplicaLagEstimator estimator = estimator(source);

        assertThat(estimator.sampleIfDue()).isTrue();
        clock.advance(Duration.ofSeconds(31));
        assertThat(estimator.sampleIfDue()).isFalse();
        assertThat(source.reads).hasValue(1);

        estimator.estimate(); // a gate decision is feed activity
        assertThat(estimator.sampleIfDue()).isTrue();
        assertThat(source.reads).hasValue(2);
    }

    @Test
    void nothingIsSampledBeforeAnyFeedIsActive() {
        ScriptedSource source = new ScriptedSource("s", ms(50));
        ReplicaLagEstimator estimator = new ReplicaLagEstimator(settings, List.of(source), clock);
        assertThat(estimator.sampleIfDue()).isFalse();
        assertThat(source.reads).hasValue(0);
    }

    @Test
    void atMostOneSampleIsInFlight() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        ReplicaLagSource slow = new ReplicaLagSource() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public LagReading read() {
                reads.incrementAndGet();
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return ms(10);
            }
        };
        ReplicaLagEstimator estimator = estimator(slow);
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(estimator::sampleIfDue);
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(estimator.sampleIfDue()).isFalse();

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(reads).hasValue(1);
        assertThat(estimator.sampleIfDue()).isTrue();
    }

    @Test
    void firstSourceThatIsNotUnsupportedIsKept() {
        ScriptedSource aurora = new ScriptedSource("aurora", LagReading.unsupported());
        ScriptedSource postgres = new ScriptedSource("postgres", ms(25));
        ScriptedSource never = new ScriptedSource("never", ms(999));
        ReplicaLagEstimator estimator = estimator(aurora, postgres, never);

        estimator.sampleIfDue();
        estimator.sampleIfDue();
        estimator.sampleIfDue();

        assertThat(estimator.sourceName()).isEqualTo("postgres");
        assertThat(aurora.reads).hasValue(1);
        assertThat(postgres.reads).hasValue(3);
        assertThat(never.reads).hasValue(0);
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(25));
    }

    @Test
    void failingSourceCountsAsUnknownAndIsNotDiscarded() {
        AtomicInteger calls = new AtomicInteger();
        ReplicaLagSource flaky = new ReplicaLagSource() {
            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public LagReading read() {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("replica down");
                }
                return ms(70);
            }
        };
        ScriptedSource fallback = new ScriptedSource("fallback", ms(5));
        ReplicaLagEstimator estimator = estimator(flaky, fallback);

        estimator.sampleIfDue();
        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(30));
        estimator.sampleIfDue();

        assertThat(estimator.current()).isEqualTo(Duration.ofMillis(70));
        assertThat(fallback.reads).hasValue(0);
    }

    @Test
    void auroraIsProbedOnceAndNeverCalledWhenAbsent() {
        AtomicInteger probes = new AtomicInteger();
        AtomicInteger lagCalls = new AtomicInteger();
        AuroraReplicaLagSource aurora = new AuroraReplicaLagSource(() -> {
            probes.incrementAndGet();
            return false;
        }, () -> {
            lagCalls.incrementAndGet();
            return Optional.of(Duration.ofMillis(1));
        });

        for (int i = 0; i < 5; i++) {
            assertThat(aurora.read().kind()).isEqualTo(LagReading.Kind.UNSUPPORTED);
        }

        assertThat(probes).hasValue(1);
        assertThat(lagCalls).hasValue(0);
    }

    @Test
    void auroraIsProbedOnceThenAskedForLagEverySample() {
        AtomicInteger probes = new AtomicInteger();
        AuroraReplicaLagSource aurora = new AuroraReplicaLagSource(() -> {
            probes.incrementAndGet();
            return true;
        }, () -> Optional.of(Duration.ofMillis(42)));

        assertThat(aurora.read()).isEqualTo(ms(42));
        assertThat(aurora.read()).isEqualTo(ms(42));

        assertThat(probes).hasValue(1);
    }

    @Test
    void auroraProbeThatFailedIsTriedAgain() {
        AtomicInteger probes = new AtomicInteger();
        AuroraReplicaLagSource aurora = new AuroraReplicaLagSource(() -> {
            if (probes.incrementAndGet() == 1) {
                throw new IllegalStateException("connection refused");
            }
            return false;
        }, Optional::empty);
        ReplicaLagEstimator estimator = estimator(aurora, new ScriptedSource("postgres", ms(15)));

        estimator.sampleIfDue();
        assertThat(estimator.sourceName()).isEqualTo("none");
        estimator.sampleIfDue();
        estimator.sampleIfDue();

        assertThat(probes).hasValue(2);
        assertThat(estimator.sourceName()).isEqualTo("postgres");
    }

    @Test
    void postgresSourcePrefersTheWritersReplayLagAndFallsBackToTheReplicasOwnView() {
        AtomicInteger writerCalls = new AtomicInteger();
        PostgresReplicaLagSource.ReplicaState[] state = {new PostgresReplicaLagSource.ReplicaState(false, false)};
        Optional<Duration>[] replayLag = new Optional[] {Optional.of(Duration.ofMillis(210))};
        PostgresReplicaLagSource source = new PostgresReplicaLagSource(() -> state[0], () -> {
            writerCalls.incrementAndGet();
            return replayLag[0];
        });

        // Not a standby: no lag at all, the writer is not asked.
        assertThat(source.read()).isEqualTo(ms(0));
        assertThat(writerCalls).hasValue(0);

        // A measured replay lag wins, even while the replica is caught up right now.
        state[0] = new PostgresReplicaLagSource.ReplicaState(true, true);
        assertThat(source.read()).isEqualTo(ms(210));
        state[0] = new PostgresReplicaLagSource.ReplicaState(true, false);
        assertThat(source.read()).isEqualTo(ms(210));

        // No measurement: caught up means 0, behind means unknown.
        replayLag[0] = Optional.empty();
        assertThat(source.read().kind()).isEqualTo(LagReading.Kind.UNKNOWN);
        state[0] = new PostgresReplicaLagSource.ReplicaState(true, true);
        assertThat(source.read()).isEqualTo(ms(0));
    }

    @Test
    void postgresSourceWithoutTheWriterKnowsOnlyCaughtUp() {
        PostgresReplicaLagSource.ReplicaState[] state = {new PostgresReplicaLagSource.ReplicaState(true, false)};
        PostgresReplicaLagSource source = new PostgresReplicaLagSource(() -> state[0], () -> {
            throw new IllegalStateException("writer down");
        });
        assertThat(source.read().kind()).isEqualTo(LagReading.Kind.UNKNOWN);
        state[0] = new PostgresReplicaLagSource.ReplicaState(true, true);
        assertThat(source.read()).isEqualTo(ms(0));
    }
}
