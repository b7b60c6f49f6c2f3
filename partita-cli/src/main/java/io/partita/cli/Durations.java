package io.partita.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations on the command line: parsed with the grid-wide syntax ({@code 30s}, {@code 1m30s},
 * {@code 500ms}, {@code PT30S}; see {@link io.partita.protocol.Durations}) and formatted compactly.
 */
public final class Durations {
    private Durations() {}

    /**
     * Parses {@code text} with the grid-wide syntax of {@link io.partita.protocol.Durations}.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration
     */
    public static Duration parse(String text) {
        return io.partita.protocol.Durations.parse(text);
    }

    /** Formats a duration compactly for people: {@code 4s}, {@code 1m05s}, {@code 2h03m}. */
    public static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, (s % 86_400) / 3600);
    }

    /** Picocli converter for {@link Duration} options. */
    static final class Converter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
