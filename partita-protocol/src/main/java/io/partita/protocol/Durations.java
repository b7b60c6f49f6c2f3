package io.partita.protocol;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of Partita, used by job specs ({@code options.taskTimeout}), calls
 * ({@code timeout}), function registrations and every command-line option that takes a duration.
 *
 * <p>A duration is either one or more {@code <number><unit>} parts with units {@code ms}, {@code
 * s}, {@code m}, {@code h}, {@code d} ({@code 30s}, {@code 5m}, {@code 250ms}, {@code 2h}, {@code
 * 1m30s}), or ISO-8601 ({@code PT30S}). Case and surrounding blanks do not matter. A bare number is
 * refused: its unit would be a guess. Range checks (positive, at most a day, ...) belong to the
 * caller, which knows the field. Stateless and thread-safe.
 */
public final class Durations {
    /** What the error messages show as examples of the syntax. */
    public static final String EXAMPLES = "30s, 5m, 250ms, 2h or ISO-8601 PT30S";

    private static final Pattern PART = Pattern.compile("(\\d{1,18})(ms|s|m|h|d)");

    private Durations() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException quoting the text when it is not a duration
     */
    public static Duration parse(String text) {
        return parseAs(null, text);
    }

    /**
     * Parses {@code text}, the value of {@code field}.
     *
     * @throws IllegalArgumentException {@code "<field> must be a duration such as 30s, ..., was
     *     '<text>'"} when it is not a duration
     */
    public static Duration parse(String field, String text) {
        return parseAs(java.util.Objects.requireNonNull(field, "field"), text);
    }

    private static Duration parseAs(String field, String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw invalid(field, text);
            }
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        try {
            while (at < s.length()) {
                if (!m.find(at) || m.start() != at) {
                    throw invalid(field, text);
                }
                long n = Long.parseLong(m.group(1));
                total = total.plus(
                        switch (m.group(2)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "s" -> Duration.ofSeconds(n);
                            case "m" -> Duration.ofMinutes(n);
                            case "h" -> Duration.ofHours(n);
                            default -> Duration.ofDays(n);
                        });
                at = m.end();
            }
        } catch (ArithmeticException e) {
            throw invalid(field, text);
        }
        if (at == 0) {
            throw invalid(field, text);
        }
        return total;
    }

    private static IllegalArgumentException invalid(String field, String text) {
        if (field == null) {
            return new IllegalArgumentException("invalid duration '" + text + "' (expected e.g. " + EXAMPLES + ")");
        }
        return new IllegalArgumentException(field + " must be a duration such as " + EXAMPLES + ", was '" + text + "'");
    }
}
