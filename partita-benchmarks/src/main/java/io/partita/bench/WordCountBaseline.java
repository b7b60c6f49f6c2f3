package io.partita.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The single-threaded Java baseline of the word-count benchmark, and what every variant shares:
 * the tokenizer and the result summary they are checked against.
 *
 * <p>The baseline reads the file line by line as UTF-8 (one {@code BufferedReader}, as a text
 * dataset's records are lines), splits each line with {@link #words} and counts in a {@code
 * HashMap<String, long[]>}. No threads, no regular expressions.
 */
final class WordCountBaseline {
    private WordCountBaseline() {}

    /**
     * Word counts summarised for comparison: total words, distinct words and an order-independent
     * checksum over every (word, count) pair, so two summaries are equal exactly when the counts are
     * (up to a 64-bit collision).
     */
    record Summary(long total, long distinct, long checksum) {
        static Summary of(Map<String, long[]> counts) {
            long total = 0;
            long checksum = 0;
            for (Map.Entry<String, long[]> e : counts.entrySet()) {
                total += e.getValue()[0];
                checksum += pair(e.getKey(), e.getValue()[0]);
            }
            return new Summary(total, counts.size(), checksum);
        }

        /** One pair's share of the checksum. */
        static long pair(String word, long count) {
            long h = word.hashCode() * 0x9E3779B97F4A7C15L + word.length();
            h ^= count * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 33;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 33;
            h *= 0xC4CEB9FE1A85EC53L;
            h ^= h >>> 33;
            return h;
        }

        /** The summary as {@code total=... distinct=... checksum=...}. */
        String text() {
            return "total=" + total + " distinct=" + distinct + " checksum=" + checksum;
        }

        /** Parses {@link #text()} (any other {@code key=value} words are ignored). */
        static Summary parse(String text) {
            long total = -1;
            long distinct = -1;
            long checksum = 0;
            for (String part : text.trim().split(" ")) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = part.substring(0, eq);
                String value = part.substring(eq + 1);
                switch (key) {
                    case "total" -> total = Long.parseLong(value);
                    case "distinct" -> distinct = Long.parseLong(value);
                    case "checksum" -> checksum = Long.parseLong(value);
                    default -> {}
                }
            }
            return new Summary(total, distinct, checksum);
        }
    }

    /** Result of one baseline run: the counts and the wall time. */
    record Run(Map<String, long[]> counts, long nanos) {}

    /** Whether {@code c} is one of the separators {@code [ \t\n\x0B\f\r]} (Java's {@code \s}). */
    static boolean whitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /**
     * Calls {@code word} for every maximal run of non-whitespace characters in {@code line}, in
     * order: the same words as {@code line.split("[ \\t\\n\\x0B\\f\\r]+")} without empty strings.
     */
    static void words(String line, Consumer<String> word) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && whitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !whitespace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                word.accept(line.substring(start, i));
            }
        }
    }

    /** Counts the words of {@code file} on the calling thread. */
    static Run run(Path file) throws IOException {
        long start = System.nanoTime();
        Map<String, long[]> counts = new HashMap<>(1 << 17);
        Consumer<String> add = w -> counts.computeIfAbsent(w, k -> new long[1])[0]++;
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 20)) {
            for (String line; (line = in.readLine()) != null; ) {
                words(line, add);
            }
        }
        return new Run(counts, System.nanoTime() - start);
    }
}
