package dev.triggerapi.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class RetryBackoffTest {

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
    void backoffDoublesPerFailedAttemptWithHalfOfItJittered() {
        RetryBackoff low = new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5), pinned(false));
        RetryBackoff high = new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5), pinned(true));

        assertThat(low.after(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(high.after(1)).isEqualTo(Duration.ofMillis(1000));
        assertThat(low.after(2)).isEqualTo(Duration.ofMillis(1000));
        assertThat(high.after(2)).isEqualTo(Duration.ofMillis(2000));
        assertThat(high.after(4)).isEqualTo(Duration.ofMillis(8000));
    }

    @Test
    void backoffIsCappedAtTheMaximumEvenForHugeAttemptNumbers() {
        RetryBackoff high = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), pinned(true));
        RetryBackoff low = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), pinned(false));

        assertThat(high.after(10)).isEqualTo(Duration.ofSeconds(30));
        assertThat(high.after(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThat(low.after(1_000)).isEqualTo(Duration.ofSeconds(15));
    }
}
