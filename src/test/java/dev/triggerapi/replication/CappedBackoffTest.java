package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class CappedBackoffTest {

    private final CappedBackoff reconnect = new CappedBackoff(Duration.ofMillis(1000), Duration.ofMillis(60000));

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
        assertThatThrownBy(() -> new CappedBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
