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

    @Test
    void ttlAndDelayHaveNoMilliseconds() {
        assertThat(Durations.parse("500ms")).isEmpty();
        assertThat(Durations.parse("1s500ms")).isEmpty();
    }

    @Test
    void durationsLongerThanACenturyAreRejected() {
        assertThat(Durations.parse("36500d")).contains(Durations.MAX);
        assertThat(Durations.parse("36501d")).isEmpty();
        assertThat(Durations.parse("9999999999")).isEmpty();
        assertThat(Durations.parse("999999999999w")).isEmpty();
        assertThat(Durations.isValidSeconds(Durations.MAX.getSeconds())).isTrue();
        assertThat(Durations.isValidSeconds(Durations.MAX.getSeconds() + 1)).isFalse();
        assertThat(Durations.isValidSeconds(-1)).isFalse();
    }

    /** Every period the runs list's {@code filter[createdAt][period]} accepted before the parsers were merged. */
    @Test
    void periodReadsTheRunsListForms() {
        assertThat(Durations.parsePeriod("30s")).contains(Duration.ofSeconds(30));
        assertThat(Durations.parsePeriod("30m")).contains(Duration.ofMinutes(30));
        assertThat(Durations.parsePeriod("12h")).contains(Duration.ofHours(12));
        assertThat(Durations.parsePeriod("7d")).contains(Duration.ofDays(7));
        assertThat(Durations.parsePeriod("2w")).contains(Duration.ofDays(14));
        assertThat(Durations.parsePeriod("876000h")).contains(Durations.MAX);
    }

    /** Every period the realtime tag feed's {@code createdAt}/{@code createdAfter} accepted before the merge. */
    @Test
    void periodReadsTheRealtimeFeedForms() {
        assertThat(Durations.parsePeriod("1500ms")).contains(Duration.ofMillis(1500));
        assertThat(Durations.parsePeriod("2H")).contains(Duration.ofHours(2));
        assertThat(Durations.parsePeriod("2 h")).contains(Duration.ofHours(2));
        assertThat(Durations.parsePeriod("2\th")).contains(Duration.ofHours(2));
        assertThat(Durations.parsePeriod(" 1d ")).contains(Duration.ofDays(1));
        assertThat(Durations.parsePeriod("999999999999ms")).contains(Duration.ofMillis(999_999_999_999L));
        assertThat(Durations.parsePeriod("5200w")).contains(Duration.ofDays(36_400));
    }

    @Test
    void periodAlsoTakesCombinationsInDescendingOrder() {
        assertThat(Durations.parsePeriod("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(Durations.parsePeriod("1s500ms")).contains(Duration.ofMillis(1500));
        assertThat(Durations.parsePeriod("500ms1s")).isEmpty();
    }

    @Test
    void aBareNumberIsNotAPeriod() {
        // The realtime feed reads a bare number as epoch milliseconds, the runs list refuses it: never seconds.
        assertThat(Durations.parsePeriod("600")).isEmpty();
    }

    @Test
    void periodRejectsWhatNeitherCallerAccepted() {
        assertThat(Durations.parsePeriod(null)).isEmpty();
        assertThat(Durations.parsePeriod("")).isEmpty();
        assertThat(Durations.parsePeriod("   ")).isEmpty();
        assertThat(Durations.parsePeriod("3 days")).isEmpty();
        assertThat(Durations.parsePeriod("-5h")).isEmpty();
        assertThat(Durations.parsePeriod("yesterday")).isEmpty();
        assertThat(Durations.parsePeriod("2025-01-01T00:00:00Z")).isEmpty();
        assertThat(Durations.parsePeriod("36501d")).isEmpty();
        assertThat(Durations.parsePeriod("999999999999w")).isEmpty();
        assertThat(Durations.parsePeriod("99999999999999999999d")).isEmpty();
    }
}
