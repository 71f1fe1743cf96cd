package dev.triggerapi.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff reconnect = Backoff.exponential(Duration.ofMillis(1000), Duration.ofMillis(60000));

    /** A jitter source pinned to the low or high end of whatever range is asked for. */
    private static RandomGenerator pinned(boolean high) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long nextLong(long bound) {
                return high ? bound - 1 : 0;
            }
        };
    }

    @Test
    void delayDoublesFromTheInitialDelayPerAttempt() {
        assertThat(IntStream.rangeClosed(1, 7).mapToObj(reconnect::delay).map(Duration::toMillis))
                .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 32000L, 60000L);
    }

    @Test
    void delayStaysAtTheCapHoweverManyAttempts() {
        assertThat(reconnect.delay(64)).isEqualTo(Duration.ofMinutes(1));
        assertThat(reconnect.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void attemptsStartAtOne() {
        assertThatThrownBy(() -> reconnect.delay(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCapBelowTheInitialDelayIsRejected() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aZeroInitialDelayNeverWaits() {
        Backoff none = Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)).withEqualJitter(pinned(true));
        assertThat(none.delay(1)).isZero();
        assertThat(none.delay(40)).isZero();
    }

    @Test
    void equalJitterKeepsHalfOfEachDoubledDelayFixedAndRandomisesTheOtherHalf() {
        Backoff base = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5));
        Backoff low = base.withEqualJitter(pinned(false));
        Backoff high = base.withEqualJitter(pinned(true));

        assertThat(low.delay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(high.delay(1)).isEqualTo(Duration.ofMillis(1000));
        assertThat(low.delay(2)).isEqualTo(Duration.ofMillis(1000));
        assertThat(high.delay(2)).isEqualTo(Duration.ofMillis(2000));
        assertThat(high.delay(4)).isEqualTo(Duration.ofMillis(8000));
    }

    @Test
    void jitteredDelayIsCappedAtTheMaximumEvenForHugeAttemptNumbers() {
        Backoff base = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));

        assertThat(base.withEqualJitter(pinned(true)).delay(10)).isEqualTo(Duration.ofSeconds(30));
        assertThat(base.withEqualJitter(pinned(true)).delay(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThat(base.withEqualJitter(pinned(false)).delay(1_000)).isEqualTo(Duration.ofSeconds(15));
    }
}
