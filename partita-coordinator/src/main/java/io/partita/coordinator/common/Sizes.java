package io.partita.coordinator.common;

import java.util.Locale;

/** Byte sizes as people write them: {@code 8MiB}, {@code 512KiB}, {@code 1GiB}, {@code 4096}. */
public final class Sizes {
    private Sizes() {}

    /**
     * Parses a size; {@code KiB}, {@code MiB} and {@code GiB} (or {@code K}, {@code M}, {@code G},
     * {@code KB}, {@code MB}, {@code GB}, all powers of 1024) after a whole number, or bytes alone.
     *
     * @param what the setting or field to name in the error
     * @throws IllegalArgumentException naming {@code what} and the value
     */
    public static long parse(String text, String what) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end))) {
            end++;
        }
        String unit = t.substring(end).trim();
        int shift = switch (unit) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            default -> -1;
        };
        if (end == 0 || end > 12 || shift < 0) {
            throw new IllegalArgumentException(
                    what + " must be a size such as 8MiB, 512KiB or 65536, was '" + text + "'");
        }
        return Long.parseLong(t.substring(0, end)) << shift;
    }
}
