package io.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Word count (issue 7): MB/s of counting the words of a text file of at least 500 MB, by
 *
 * <ul>
 *   <li>a single-threaded Java baseline ({@link WordCountBaseline});
 *   <li>Apache Spark in local mode, {@code local[2]}, in a JVM of its own ({@link WordCountSpark});
 *   <li>Partita MapReduce with 2 worker processes of 1 slot each, with the Java mapper ({@code
 *       examples/wordcount}) and with the JavaScript mapper ({@code examples/js/wordcount.mjs})
 *       ({@link WordCountPartita}).
 * </ul>
 *
 * <p>Every variant uses the same tokenizer (maximal runs of characters other than {@code [
 * \t\n\x0B\f\r]}) and every result is checked against the baseline's counts: Spark's by total,
 * distinct words and a checksum over all pairs, Partita's word by word (the baseline's first run,
 * not timed in the results, gives the reference). The Spark JVM and the Partita cluster stay up
 * for the whole benchmark and the variants take turns: a warm-up round, then {@code runs} rounds,
 * each running every variant once, so that the machine's drifting load touches them alike. Figures
 * are medians; MB = 10<sup>6</sup> bytes. The corpus is ingested into Partita twice before the
 * rounds, by upload and by {@code file:} URL, and both are timed on their own.
 *
 * <p>Usage, from the repository root: {@code java -cp "partita-benchmarks/target/lib/*"
 * io.partita.bench.WordCountBenchmark [runs=3] [megabytes=512] [variants=baseline,spark,java,js]}
 * where {@code megabytes} is in MiB. System properties: {@code wordcount.dir} (corpus folder,
 * default {@code $TMPDIR/partita-wordcount}), {@code wordcount.chunk} (Partita's split size, default
 * {@code 32MiB}: the size of Spark's input splits of a local file, Hadoop's local block size, so
 * that both divide the file alike), {@code wordcount.sparkJava} (the {@code java} for Spark, default this
 * JVM's), {@code wordcount.workerOpts} (extra JVM options of the workers), {@code
 * wordcount.jsModule} (default {@code examples/js/wordcount.mjs}).
 */
public final class WordCountBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** JVM options Spark 4 needs on JDK 17 and later (its launcher's {@code JavaModuleOptions}). */
    static final List<String> SPARK_JVM_OPTIONS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "--sun-misc-unsafe-memory-access=allow",
            "--enable-native-access=ALL-UNNAMED");

    private WordCountBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 512;
        Set<String> chosen = Set.of((args.length > 2 ? args[2] : "baseline,spark,java,js").split(","));
        Path corpusDir = Path.of(System.getProperty(
                "wordcount.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "partita-wordcount")
                        .toString()));
        Path file = WordCountCorpus.ensure(corpusDir, WordCountCorpus.SEED, mib << 20)
                .toAbsolutePath();
        long bytes = Files.size(file);
        System.out.printf(
                "corpus %s: %,d bytes (%.1f MB); JVM %s %s, %d cores%n",
                file,
                bytes,
                bytes / 1e6,
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                Runtime.getRuntime().availableProcessors());

        // The baseline's first run gives the reference every other result is checked against.
        WordCountBaseline.Run first = WordCountBaseline.run(file);
        Map<String, long[]> expected = first.counts();
        WordCountBaseline.Summary summary = WordCountBaseline.Summary.of(expected);
        System.out.printf("reference counts (baseline, first run %.2f s): %s%n", first.nanos() / 1e9, summary.text());

        List<Variant> variants = new ArrayList<>();
        if (chosen.contains("baseline")) {
            variants.add(new Variant("Java, single thread (baseline)", () -> {
                WordCountBaseline.Run run = WordCountBaseline.run(file);
                WordCountBaseline.Summary got = WordCountBaseline.Summary.of(run.counts());
                if (!got.equals(summary)) {
                    throw new AssertionError("the baseline is not deterministic: " + got + " vs " + summary);
                }
                return run.nanos() / 1e9;
            }));
        }
        Path work = Files.createTempDirectory("partita-wordcount");
        try (SparkDriver spark = chosen.contains("spark") ? SparkDriver.start(file, work) : null;
                WordCountPartita cluster = chosen.contains("java") || chosen.contains("js")
                        ? WordCountPartita.start(work, corpusDir, 2)
                        : null) {
            if (spark != null) {
                for (String tokenizer : List.of("regex", "hand")) {
                    variants.add(new Variant(
                            "Spark local[2], " + (tokenizer.equals("regex") ? "regex split" : "hand-written tokenizer"),
                            () -> spark.run(tokenizer, summary)));
                }
            }
            if (cluster != null) {
                // Both ways in: a streamed upload, and a file: URL the coordinator reads itself.
                // The jobs use the uploaded copy (the two are the same bytes and splits).
                String chunk = System.getProperty("wordcount.chunk", "32MiB");
                long start = System.nanoTime();
                String dataset = cluster.upload(file, "wordcount-corpus", chunk);
                double upload = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                cluster.register(file, "wordcount-corpus-url", chunk);
                double url = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "partita ingest (%s splits): upload %.2f s (%.1f MB/s), file URL %.2f s (%.1f MB/s)%n",
                        chunk, upload, bytes / 1e6 / upload, url, bytes / 1e6 / url);
                if (chosen.contains("java")) {
                    ObjectNode spec = JSON.createObjectNode()
                            .put("dataset", dataset)
                            .put("function", "examples/wordcount")
                            .put("reducers", 2);
                    variants.add(new Variant(
                            "Partita, 2 workers, Java mapper", () -> partitaRun(cluster, spec, expected, bytes)));
                }
                if (chosen.contains("js")) {
                    Path module = Path.of(System.getProperty("wordcount.jsModule", "examples/js/wordcount.mjs"));
                    ObjectNode spec = JSON.createObjectNode()
                            .put("dataset", dataset)
                            .put("code", Files.readString(module))
                            .put("reducers", 2);
                    variants.add(new Variant(
                            "Partita, 2 workers, JavaScript mapper", () -> partitaRun(cluster, spec, expected, bytes)));
                }
            }

            // Round 0 warms every variant up; then the variants take turns, so that the machine's
            // drifting load touches all of them alike.
            double[][] seconds = new double[variants.size()][runs];
            for (int round = 0; round <= runs; round++) {
                for (int v = 0; v < variants.size(); v++) {
                    Variant variant = variants.get(v);
                    double s = variant.run().call();
                    System.out.printf(
                            "%s, %s: %.2f s, %.1f MB/s (load average %s)%n",
                            round == 0 ? "warm-up" : "run " + round,
                            variant.label(),
                            s,
                            bytes / 1e6 / s,
                            loadAverage());
                    if (round > 0) {
                        seconds[v][round - 1] = s;
                    }
                }
            }
            report(variants, seconds, bytes, runs);
        }
        // Only after a clean run: the coordinator's blob store holds two copies of the corpus, and
        // after a failure the worker logs are worth keeping.
        deleteRecursively(work);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One variant of the benchmark: a run returns its wall time in seconds, its result checked. */
    record Variant(String label, Callable<Double> run) {}

    /**
     * Prints, per variant, the median time and MB/s, and the medians over rounds of its speed
     * relative to the baseline and to Spark's faster tokenizer in the same round (on a shared,
     * noisy machine the per-round ratios are steadier than ratios of medians).
     */
    private static void report(List<Variant> variants, double[][] seconds, long bytes, int runs) {
        System.out.printf(
                "%nword count of %,d bytes; MB = 10^6 bytes; median of %d runs after a warm-up round;"
                        + " ratios = median over rounds of (other's time / this time) in the same round%n",
                bytes, runs);
        double[] baseline = new double[runs];
        double[] spark = new double[runs];
        Arrays.fill(baseline, Double.NaN);
        Arrays.fill(spark, Double.NaN);
        for (int v = 0; v < variants.size(); v++) {
            for (int r = 0; r < runs; r++) {
                if (variants.get(v).label().contains("baseline")) {
                    baseline[r] = seconds[v][r];
                } else if (variants.get(v).label().startsWith("Spark") && !(seconds[v][r] >= spark[r])) {
                    spark[r] = seconds[v][r];
                }
            }
        }
        for (int v = 0; v < variants.size(); v++) {
            double m = GridBenchmark.median(seconds[v]);
            double[] toBaseline = new double[runs];
            double[] toSpark = new double[runs];
            StringBuilder each = new StringBuilder();
            for (int r = 0; r < runs; r++) {
                toBaseline[r] = baseline[r] / seconds[v][r];
                toSpark[r] = spark[r] / seconds[v][r];
                each.append(r == 0 ? "" : " / ").append(String.format("%.2f", seconds[v][r]));
            }
            System.out.printf(
                    "%-40s %7.2f s %7.1f MB/s  %5.2fx baseline  %5.2fx Spark's faster  (runs %s s)%n",
                    variants.get(v).label(),
                    m,
                    bytes / 1e6 / m,
                    GridBenchmark.median(toBaseline),
                    GridBenchmark.median(toSpark),
                    each);
        }
    }

    private static double partitaRun(
            WordCountPartita cluster, ObjectNode spec, Map<String, long[]> expected, long bytes) throws Exception {
        WordCountPartita.JobRun run = cluster.run(spec, Duration.ofMinutes(30));
        String id = run.status().path("id").asText();
        long t0 = System.nanoTime();
        Map<String, long[]> counts = cluster.output(id);
        double outputSeconds = (System.nanoTime() - t0) / 1e9;
        String diff = difference(expected, counts);
        if (!diff.isEmpty()) {
            throw new AssertionError("mapreduce " + id + ": counts differ from the baseline's: " + diff);
        }
        JsonNode status = run.status();
        System.out.printf(
                "  mapreduce %s: %d splits, counts equal the baseline's (output read in %.2f s); counters %s%n",
                id, status.path("splits").asInt(), outputSeconds, status.path("counters"));
        return run.nanos() / 1e9;
    }

    /**
     * The Spark JVM ({@link WordCountSpark}), kept up for the whole benchmark so that its runs can
     * alternate with the other variants'.
     */
    static final class SparkDriver implements AutoCloseable {
        private final Process process;
        private final Writer commands;
        private final BlockingQueue<String> results = new LinkedBlockingQueue<>();

        private SparkDriver(Process process) {
            this.process = process;
            this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread.ofPlatform().daemon(true).name("spark-out").start(() -> {
                try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("RESULT ")) {
                            results.add(line.substring("RESULT ".length()));
                        } else if (!line.contains(" INFO ")) {
                            System.out.println("[spark] " + line);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
                results.add("exit");
            });
        }

        static SparkDriver start(Path file, Path work) throws Exception {
            Path target = targetDir();
            String javaBin = System.getProperty(
                    "wordcount.sparkJava",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Path tmp = Files.createDirectories(work.resolve("spark-tmp"));
            List<String> command = new ArrayList<>();
            command.add(javaBin);
            command.addAll(SPARK_JVM_OPTIONS);
            command.add("-Djava.io.tmpdir=" + tmp);
            command.add("-cp");
            command.add(target.resolve("spark-lib") + "/*" + File.pathSeparator + benchmarkJar());
            command.add(WordCountSpark.class.getName());
            command.add(file.toString());
            command.add("local[2]");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            SparkDriver driver = new SparkDriver(pb.start());
            String startup = driver.result();
            System.out.println("spark context start-up: " + startup);
            return driver;
        }

        /** Runs one job; returns its wall time in seconds (measured in the Spark JVM). */
        double run(String tokenizer, WordCountBaseline.Summary expected) throws Exception {
            commands.write(tokenizer + "\n");
            commands.flush();
            String result = result();
            WordCountBaseline.Summary got = WordCountBaseline.Summary.parse(result);
            if (!got.equals(expected)) {
                throw new AssertionError("Spark's counts differ from the baseline's: " + got + " vs " + expected);
            }
            for (String part : result.split(" ")) {
                if (part.startsWith("millis=")) {
                    return Long.parseLong(part.substring("millis=".length())) / 1e3;
                }
            }
            throw new IllegalStateException("no millis in " + result);
        }

        private String result() throws InterruptedException {
            String r = results.poll(30, TimeUnit.MINUTES);
            if (r == null || r.equals("exit")) {
                throw new IllegalStateException("the Spark JVM " + (r == null ? "did not answer" : "exited"));
            }
            return r;
        }

        @Override
        public void close() throws Exception {
            try {
                commands.write("quit\n");
                commands.close();
            } catch (IOException e) {
                // already gone
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The 1-minute load average (the machine is shared; it says how noisy a figure is). */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Empty when equal; else the totals and the first few differing words. */
    static String difference(Map<String, long[]> expected, Map<String, long[]> actual) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] a = actual.get(e.getKey());
            if (a == null || a[0] != e.getValue()[0]) {
                diffs.add(e.getKey() + ": " + e.getValue()[0] + " vs " + (a == null ? "missing" : a[0]));
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                diffs.add(k + ": unexpected");
            }
        }
        if (diffs.isEmpty()) {
            return "";
        }
        return diffs.size() + " words differ (expected "
                + WordCountBaseline.Summary.of(expected).text() + ", got "
                + WordCountBaseline.Summary.of(actual).text() + "), e.g. "
                + diffs.subList(0, Math.min(5, diffs.size()));
    }

    /** This module's jar (or classes folder). */
    static Path benchmarkJar() {
        try {
            return Path.of(WordCountBenchmark.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This module's {@code target} folder: the jar sits in {@code target/lib}. */
    static Path targetDir() {
        Path jar = benchmarkJar();
        return Files.isDirectory(jar) ? jar.getParent() : jar.getParent().getParent();
    }
}
