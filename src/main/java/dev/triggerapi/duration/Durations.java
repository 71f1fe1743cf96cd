package dev.triggerapi.duration;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration strings clients send for ttl, delay and idempotency-key TTL: a whole number of seconds
 * ({@code "600"}) or unit parts in descending order, each at most once ({@code "10m"}, {@code "1h30m"},
 * {@code "2d"}, {@code "1w"}, {@code "45s"}). Anything else is rejected rather than guessed at, so a typo
 * never silently becomes "no ttl". Durations longer than {@link #MAX} are rejected too: added to "now" they would
 * fall outside what PostgreSQL's {@code timestamptz} can hold, and no ttl, delay or key lifetime needs a century.
 */
public final class Durations {

    private static final Pattern SECONDS = Pattern.compile("\\d{1,10}");
    private static final Pattern PART = Pattern.compile("(\\d{1,9})([wdhms])");
    private static final String UNIT_ORDER = "wdhms";

    /** The longest duration accepted: 100 years (36,500 days). */
    public static final Duration MAX = Duration.ofDays(36_500);

    private Durations() {
    }

    /** The duration {@code text} denotes, or empty when it is not a duration string. */
    public static Optional<Duration> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (SECONDS.matcher(s).matches()) {
            return bounded(Duration.ofSeconds(Long.parseLong(s)));
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int position = 0;
        int lastUnit = -1;
        while (m.lookingAt()) {
            int unit = UNIT_ORDER.indexOf(m.group(2).charAt(0));
            if (unit <= lastUnit) {
                return Optional.empty();
            }
            lastUnit = unit;
            long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2).charAt(0)) {
                case 'w' -> Duration.ofDays(7 * amount);
                case 'd' -> Duration.ofDays(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'm' -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            });
            position = m.end();
            m.region(position, s.length());
        }
        return position == s.length() ? bounded(total) : Optional.empty();
    }

    /** Whether {@code seconds} is a duration {@link #parse} would accept (for ttl given as a JSON number). */
    public static boolean isValidSeconds(long seconds) {
        return seconds >= 0 && seconds <= MAX.getSeconds();
    }

    private static Optional<Duration> bounded(Duration duration) {
        return duration.compareTo(MAX) <= 0 ? Optional.of(duration) : Optional.empty();
    }
}
