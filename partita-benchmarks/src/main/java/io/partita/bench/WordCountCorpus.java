package io.partita.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The text corpus of the word-count benchmark: a deterministic file of ASCII lines, written once
 * and reused.
 *
 * <p>The vocabulary is {@value #VOCABULARY} distinct lower-case words of 1 to 12 letters drawn from
 * the seed; words are sampled with a Zipf distribution (exponent 1, rank 1 the most frequent), so a
 * few words dominate and a long tail appears rarely, as in natural text. Lines are 60 to 100
 * characters (at least 60, at most 105) of words separated by one space, with a few irregularities that every tokenizer of the
 * benchmark must agree on: about one separator in 50 is a tab, one in 100 two spaces, one line
 * in 100 starts with a space and one in 500 is empty. The same seed and size always give the same
 * bytes.
 */
final class WordCountCorpus {
    /** Distinct words in the vocabulary. */
    static final int VOCABULARY = 50_000;

    /** Default seed. */
    static final long SEED = 20261121L;

    private WordCountCorpus() {}

    /**
     * The corpus of at least {@code bytes} bytes for {@code seed} in {@code dir}, generated when it
     * is missing (into a temporary name, then moved, so a file under the final name is complete).
     */
    static Path ensure(Path dir, long seed, long bytes) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("corpus-" + seed + "-" + bytes + ".txt");
        if (Files.isRegularFile(file) && Files.size(file) >= bytes) {
            return file;
        }
        Path tmp = Files.createTempFile(dir, "corpus-", ".tmp");
        long start = System.nanoTime();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            write(out, seed, bytes);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf(
                "corpus: wrote %,d bytes to %s in %.1f s%n", Files.size(file), file, (System.nanoTime() - start) / 1e9);
        return file;
    }

    /** Writes whole lines until at least {@code bytes} bytes are written. */
    static void write(OutputStream out, long seed, long bytes) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] words = vocabulary(random);
        double[] cumulative = zipf(words.length);
        byte[] line = new byte[128];
        long written = 0;
        while (written < bytes) {
            int len = 0;
            if (random.nextInt(500) != 0) {
                int target = 60 + random.nextInt(33);
                if (random.nextInt(100) == 0) {
                    line[len++] = ' ';
                }
                int first = len;
                while (len < target) {
                    if (len > first) {
                        int r = random.nextInt(100);
                        if (r == 0) {
                            line[len++] = ' ';
                            line[len++] = ' ';
                        } else {
                            line[len++] = r < 3 ? (byte) '\t' : (byte) ' ';
                        }
                    }
                    byte[] w = words[sample(cumulative, random.nextDouble())];
                    System.arraycopy(w, 0, line, len, w.length);
                    len += w.length;
                }
            }
            line[len++] = '\n';
            out.write(line, 0, len);
            written += len;
        }
    }

    /** {@value #VOCABULARY} distinct words of 1 to 12 lower-case ASCII letters. */
    private static byte[][] vocabulary(SplittableRandom random) {
        Set<String> seen = new HashSet<>();
        byte[][] words = new byte[VOCABULARY][];
        int n = 0;
        while (n < VOCABULARY) {
            // short words more often: length 1..12, weighted towards 3..8
            int length = 1 + Math.min(11, random.nextInt(6) + random.nextInt(7));
            char[] w = new char[length];
            for (int i = 0; i < length; i++) {
                w[i] = (char) ('a' + random.nextInt(26));
            }
            String s = new String(w);
            if (seen.add(s)) {
                words[n++] = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            }
        }
        return words;
    }

    /** Cumulative probabilities of ranks 1..n under Zipf's law with exponent 1. */
    private static double[] zipf(int n) {
        double[] c = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / (k + 1);
            c[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            c[k] /= sum;
        }
        return c;
    }

    /** The first index whose cumulative probability exceeds {@code u}. */
    private static int sample(double[] cumulative, double u) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] <= u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
