package dev.triggerapi.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

import dev.triggerapi.api.ApiException;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void dayOfMonthAndDayOfWeekBothRestrictedFireOnEitherLikeUnixCron() {
        // 2026-01-01 is a Thursday: the 13th (a Tuesday) and every Friday both fire.
        CronSchedule cron = CronSchedule.parse("0 0 13 * 5", null);
        assertThat(cron.upcoming(at("2026-01-01T00:00:00Z"), 5)).containsExactly(
                at("2026-01-02T00:00:00Z"), at("2026-01-09T00:00:00Z"), at("2026-01-13T00:00:00Z"),
                at("2026-01-16T00:00:00Z"), at("2026-01-23T00:00:00Z"));
    }

    @Test
    void restrictingOnlyOneOfTheDayFieldsUsesThatFieldAlone() {
        assertThat(CronSchedule.parse("0 0 13 * *", null).upcoming(at("2026-01-01T00:00:00Z"), 2))
                .containsExactly(at("2026-01-13T00:00:00Z"), at("2026-02-13T00:00:00Z"));
        assertThat(CronSchedule.parse("0 0 * * 5", null).upcoming(at("2026-01-01T00:00:00Z"), 2))
                .containsExactly(at("2026-01-02T00:00:00Z"), at("2026-01-09T00:00:00Z"));
    }

    @Test
    void dailyNineAmInNewYorkStaysAtNineLocalAcrossBothDstChanges() {
        CronSchedule cron = CronSchedule.parse("0 9 * * *", "America/New_York");
        // Spring forward 2026-03-08: 09:00 EST = 14:00Z before, 09:00 EDT = 13:00Z from that day on.
        assertThat(cron.upcoming(at("2026-03-07T00:00:00Z"), 3)).containsExactly(
                at("2026-03-07T14:00:00Z"), at("2026-03-08T13:00:00Z"), at("2026-03-09T13:00:00Z"));
        // Fall back 2026-11-01: back to 14:00Z.
        assertThat(cron.upcoming(at("2026-10-31T00:00:00Z"), 3)).containsExactly(
                at("2026-10-31T13:00:00Z"), at("2026-11-01T14:00:00Z"), at("2026-11-02T14:00:00Z"));
    }

    @Test
    void dailyNineAmInLondonStaysAtNineLocalAcrossBothDstChanges() {
        CronSchedule cron = CronSchedule.parse("0 9 * * *", "Europe/London");
        // BST starts 2026-03-29 and ends 2026-10-25.
        assertThat(cron.upcoming(at("2026-03-28T00:00:00Z"), 2)).containsExactly(
                at("2026-03-28T09:00:00Z"), at("2026-03-29T08:00:00Z"));
        assertThat(cron.upcoming(at("2026-10-24T00:00:00Z"), 2)).containsExactly(
                at("2026-10-24T08:00:00Z"), at("2026-10-25T09:00:00Z"));
    }

    @Test
    void localTimeSkippedBySpringForwardDoesNotFireThatDayAndRepeatedLocalTimeFiresOnce() {
        ZoneId newYork = ZoneId.of("America/New_York");
        List<Instant> gap = CronSchedule.parse("30 2 * * *", "America/New_York")
                .upcoming(at("2026-03-07T00:00:00Z"), 2);
        assertThat(gap).extracting(i -> LocalDate.ofInstant(i, newYork))
                .containsExactly(LocalDate.of(2026, 3, 7), LocalDate.of(2026, 3, 9));

        List<Instant> repeated = CronSchedule.parse("30 1 * * *", "America/New_York")
                .upcoming(at("2026-10-31T12:00:00Z"), 2);
        // 01:30 happens twice on 2026-11-01 (EDT, then EST): it fires at the first, then on the next day.
        assertThat(repeated).containsExactly(at("2026-11-01T05:30:00Z"), at("2026-11-02T06:30:00Z"));
        assertThat(ZonedDateTime.ofInstant(repeated.get(0), newYork).getHour()).isEqualTo(1);
    }

    @Test
    void afterDowntimeTheLatestPassedInstantIsDueNotTheFirstMissedOne() {
        CronSchedule cron = CronSchedule.parse("*/5 * * * *", null);
        assertThat(cron.latestDue(at("2026-01-01T00:00:00Z"), at("2026-01-01T03:17:42Z")))
                .isEqualTo(at("2026-01-01T03:15:00Z"));
        assertThat(cron.latestDue(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:04:59Z")))
                .isEqualTo(at("2026-01-01T00:00:00Z"));
        assertThat(cron.latestDue(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:05:00Z")))
                .isEqualTo(at("2026-01-01T00:05:00Z"));
    }

    @Test
    void invalidExpressionsAreUnprocessableWithAMessageNamingTheProblem() {
        assertUnprocessable("61 * * * *", null, "61");
        assertUnprocessable("* * *", null, "3 parts");
        assertUnprocessable("0 0 * * 8", null, "8");
        assertUnprocessable("every day", null, "Invalid cron expression 'every day'");
        assertUnprocessable("0 0 * * * *", null, "6 parts");
        assertUnprocessable("", null, "empty");
        assertUnprocessable("0 0 30 2 *", null, "never fires");
    }

    @Test
    void timezonesMustBeIanaNames() {
        assertUnprocessable("0 * * * *", "Mars/Olympus", "Invalid timezone 'Mars/Olympus'");
        assertUnprocessable("0 * * * *", "+02:00", "IANA");
        assertUnprocessable("0 * * * *", "GMT+2", "IANA");
        assertThat(CronSchedule.parse("0 * * * *", "Asia/Tokyo").timezone()).isEqualTo("Asia/Tokyo");
        assertThat(CronSchedule.parse("0 * * * *", null).timezone()).isEqualTo("UTC");
    }

    @Test
    void describesTheExpressionInEnglish() {
        assertThat(CronSchedule.parse("*/5 * * * *", null).description()).isEqualTo("every 5 minutes");
    }

    private static void assertUnprocessable(String cron, String timezone, String messagePart) {
        assertThatThrownBy(() -> CronSchedule.parse(cron, timezone))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.status().value()).isEqualTo(422))
                .hasMessageContaining(messagePart);
    }
}
