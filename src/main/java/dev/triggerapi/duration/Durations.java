package dev.triggerapi.duration;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser of the duration and period strings clients send. Two grammars share one set of unit rules:
 * <ul>
 *   <li>{@link #parse}: ttl, delay, idempotency-key TTL, token expiry: a whole number of seconds ({@code "600"})
 *       or unit parts;</li>
 *   <li>{@link #parsePeriod}: a look-back window counted from now (the runs list's
 *       {@code filter[createdAt][period]}, the realtime tag feed's {@code createdAt}): unit parts only, so a bare
 *       number is never mistaken for seconds where a caller reads it as a time, and milliseconds are allowed.</li>
 * </ul>
 * Unit parts come in descending order, each at most once ({@code "10m"}, {@code "1h30m"}, {@code "2d"},
 * {@code "1w"}, {@code "45s"}), in any letter case, with whitespace ignored. Anything else is rejected rather than
 * guessed at, so a typo never silently becomes "no ttl" or "every run". Durations longer than {@link #MAX} are
 * rejected too: added to or taken from "now" they would fall outside what PostgreSQL's {@code timestamptz} can
 * hold, and no ttl, delay, key lifetime or look-back needs a century.
 */
public final class Durations {

    private static final Pattern SECONDS = Pattern.compile("\\d{1,10}");
    /** "ms" before the single letters, so {@code 5ms} is five milliseconds and {@code 5m} stays five minutes. */
    private static final Pattern PART = Pattern.compile("(\\d{1,12})(ms|[wdhms])");
    private static final List<String> UNIT_ORDER = List.of("w", "d", "h", "m", "s", "ms");

    /** The longest duration accepted: 100 years (36,500 days). */
    public static final Duration MAX = Duration.ofDays(36_500);

    private Durations() {
    }

    /**
     * The duration {@code text} denotes (whole seconds or {@code w d h m s} parts), or empty when it is not a
     * duration string.
     */
    public static Optional<Duration> parse(String text) {
        String s = normalized(text);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (SECONDS.matcher(s).matches()) {
            return bounded(Duration.ofSeconds(Long.parseLong(s)));
        }
        return units(s, false);
    }

    /**
     * The look-back period {@code text} denotes ({@code w d h m s ms} parts, e.g. {@code "7d"}, {@code "2h"},
     * {@code "1h30m"}, {@code "500ms"}), or empty when it is not a period. A bare number is not a period.
     */
    public static Optional<Duration> parsePeriod(String text) {
        String s = normalized(text);
        return s.isEmpty() ? Optional.empty() : units(s, true);
    }

    /** Whether {@code seconds} is a duration {@link #parse} would accept (for ttl given as a JSON number). */
    public static boolean isValidSeconds(long seconds) {
        return seconds >= 0 && seconds <= MAX.getSeconds();
    }

    private static String normalized(String text) {
        if (text == null) {
            return "";
        }
        if (alreadyNormal(text)) {
            return text; // the usual "10m": parsed on every trigger, so no copy
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(out::appendCodePoint);
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** No whitespace and nothing {@code toLowerCase} would change (surrogates are left to the general path). */
    private static boolean alreadyNormal(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isSurrogate(c) || Character.toLowerCase(c) != c) {
                return false;
            }
        }
        return true;
    }

    private static Optional<Duration> units(String s, boolean millisAllowed) {
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int position = 0;
        int lastUnit = -1;
        try {
            while (m.lookingAt()) {
                String name = m.group(2);
                int unit = UNIT_ORDER.indexOf(name);
                if (unit <= lastUnit || (name.equals("ms") && !millisAllowed)) {
                    return Optional.empty();
                }
                lastUnit = unit;
                long amount = Long.parseLong(m.group(1));
                total = total.plus(switch (name) {
                    case "w" -> Duration.ofDays(Math.multiplyExact(7, amount));
                    case "d" -> Duration.ofDays(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    default -> Duration.ofMillis(amount);
                });
                position = m.end();
                m.region(position, s.length());
            }
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
        return position == s.length() ? bounded(total) : Optional.empty();
    }

    private static Optional<Duration> bounded(Duration duration) {
        return duration.compareTo(MAX) <= 0 ? Optional.of(duration) : Optional.empty();
    }
}
