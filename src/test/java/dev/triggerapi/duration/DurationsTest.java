package dev.triggerapi.duration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesUnitStringsAndCombinations() {
        assertThat(Durations.parse("10m")).contains(Duration.ofMinutes(10));
        assertThat(Durations.parse("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(Durations.parse("2d")).contains(Duration.ofDays(2));
        assertThat(Durations.parse("1w2d3h4m5s")).contains(Duration.ofDays(9).plusHours(3).plusMinutes(4).plusSeconds(5));
        assertThat(Durations.parse(" 1h 30m ")).contains(Duration.ofMinutes(90));
        assertThat(Durations.parse("45S")).contains(Duration.ofSeconds(45));
    }

    @Test
    void plainNumberIsSeconds() {
        assertThat(Durations.parse("600")).contains(Duration.ofSeconds(600));
        assertThat(Durations.parse("0")).contains(Duration.ZERO);
    }

    @Test
    void rejectsAnythingElseInsteadOfGuessing() {
        assertThat(Durations.parse(null)).isEmpty();
        assertThat(Durations.parse("")).isEmpty();
        assertThat(Durations.parse("10x")).isEmpty();
        assertThat(Durations.parse("m10")).isEmpty();
        assertThat(Durations.parse("30m1h")).isEmpty();
        assertThat(Durations.parse("1h1h")).isEmpty();
        assertThat(Durations.parse("1.5h")).isEmpty();
        assertThat(Durations.parse("-5m")).isEmpty();
        assertThat(Durations.parse("10m garbage")).isEmpty();
    }
}
