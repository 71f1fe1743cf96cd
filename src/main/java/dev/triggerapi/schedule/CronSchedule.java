package dev.triggerapi.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.triggerapi.api.ApiException;

/**
 * A 5-field Unix cron expression evaluated in an IANA timezone.
 *
 * <p>cron-utils' UNIX definition is used rather than Spring's {@code CronExpression} because Unix cron fires when
 * the day-of-month <em>or</em> the day-of-week matches when both are restricted ({@code 0 0 13 * 5} is every 13th
 * and every Friday); Spring requires both. Instants are computed on the schedule's local wall clock, so
 * {@code 0 9 * * *} stays at 09:00 local across DST changes. A local time that does not exist on a
 * spring-forward day (02:30 in New York on the second Sunday of March) is skipped that day, and a local time that
 * occurs twice on a fall-back day fires once, at its first occurrence.
 */
final class CronSchedule {

    static final String DEFAULT_TIMEZONE = "UTC";

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();

    private final String expression;
    private final ZoneId zone;
    private final Cron cron;
    private final ExecutionTime execution;

    private CronSchedule(String expression, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.zone = zone;
        this.cron = cron;
        this.execution = ExecutionTime.forCron(cron);
    }

    /**
     * Parses and validates {@code expression} in {@code timezone} (null = UTC).
     *
     * @throws ApiException 422 naming what is wrong: not 5 fields, a value out of range, an unknown timezone, or an
     *                      expression that never fires (e.g. 30 February)
     */
    static CronSchedule parse(String expression, String timezone) {
        ZoneId zone = zone(timezone);
        if (expression == null || expression.isBlank()) {
            throw ApiException.unprocessable("Invalid cron expression: it is empty; expected 5 fields "
                    + "(minute hour day-of-month month day-of-week), e.g. '0 * * * *'");
        }
        String trimmed = expression.trim().replaceAll("\\s+", " ");
        Cron cron;
        try {
            cron = PARSER.parse(trimmed);
            cron.validate();
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("Invalid cron expression '" + expression + "': " + e.getMessage()
                    + "; expected 5 fields (minute hour day-of-month month day-of-week), e.g. '0 * * * *'");
        }
        CronSchedule schedule = new CronSchedule(trimmed, zone, cron);
        // An expression such as "0 0 30 2 *" parses but never fires; refuse it rather than store a dead schedule.
        if (schedule.nextAfter(Instant.EPOCH).isEmpty()) {
            throw ApiException.unprocessable("Invalid cron expression '" + expression + "': it never fires");
        }
        return schedule;
    }

    /** The IANA zone named {@code timezone} (null or blank = UTC). */
    static ZoneId zone(String timezone) {
        if (timezone == null || timezone.isBlank()) {
            return ZoneId.of(DEFAULT_TIMEZONE);
        }
        // ZoneId.of also accepts offsets ("+02:00", "GMT+2"); schedules take IANA names only, as the SDK documents.
        if (!ZONES.contains(timezone)) {
            throw ApiException.unprocessable("Invalid timezone '" + timezone
                    + "': expected an IANA timezone name such as 'UTC', 'Europe/London' or 'America/New_York'");
        }
        return ZoneId.of(timezone);
    }

    /** The expression as stored (whitespace normalised). */
    String expression() {
        return expression;
    }

    /** The timezone's IANA name. */
    String timezone() {
        return zone.getId();
    }

    /** An English description of when it fires (the API's {@code generator.description}). */
    String description() {
        return CronDescriptor.instance(Locale.UK).describe(cron);
    }

    /** The first instant strictly after {@code after}; empty when it never fires again. */
    Optional<Instant> nextAfter(Instant after) {
        return execution.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
    }

    /** The next {@code count} instants strictly after {@code after}. */
    List<Instant> upcoming(Instant after, int count) {
        List<Instant> out = new ArrayList<>(count);
        Instant at = after;
        for (int i = 0; i < count; i++) {
            Optional<Instant> next = nextAfter(at);
            if (next.isEmpty()) {
                break;
            }
            out.add(next.get());
            at = next.get();
        }
        return out;
    }

    /**
     * The latest instant at or before {@code now}, starting from the due instant {@code due} (≤ now). After
     * downtime a schedule fires once, for this instant, not once per missed instant.
     */
    Instant latestDue(Instant due, Instant now) {
        Instant latest = due;
        Optional<Instant> next = nextAfter(latest);
        if (next.isPresent() && !next.get().isAfter(now)) {
            // Jump close to now first: lastExecution is strictly before its argument, so ask about one second later
            // (cron instants are whole minutes) and keep the answer only if it is not in the future.
            Optional<Instant> last = execution.lastExecution(ZonedDateTime.ofInstant(now.plusSeconds(1), zone))
                    .map(ZonedDateTime::toInstant);
            if (last.isPresent() && !last.get().isAfter(now) && last.get().isAfter(latest)) {
                latest = last.get();
            }
            // Walk forward for whatever lastExecution missed (it is only a shortcut).
            for (next = nextAfter(latest); next.isPresent() && !next.get().isAfter(now); next = nextAfter(latest)) {
                latest = next.get();
            }
        }
        return latest;
    }
}
