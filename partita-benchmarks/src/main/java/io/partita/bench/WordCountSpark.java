package io.partita.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The Apache Spark side of the word-count benchmark: run by {@link WordCountBenchmark} in a JVM of
 * its own (class path {@code target/spark-lib/*} plus this module's jar), never in the
 * coordinator's or a worker's.
 *
 * <p>Spark's canonical word count in local mode: {@code textFile → flatMap(split on whitespace,
 * drop empty) → mapToPair(w, 1) → reduceByKey(+)}, then {@code collect} to force it and to check
 * the counts. Each run's wall time covers the job only (the {@code SparkContext} is started once,
 * before, and its start-up is reported on its own). Two tokenizers: {@code regex} ({@code
 * Pattern.compile("[ \\t\\n\\x0B\\f\\r]+").split}, what a Spark word count usually does) and {@code
 * hand} (the baseline's hand-written {@link WordCountBaseline#words}).
 *
 * <p>Usage: {@code WordCountSpark FILE MASTER}. It starts the context and prints {@code RESULT
 * startup millis=...}, then reads one tokenizer name per line from standard input, runs the job
 * and answers {@code RESULT tokenizer=T millis=... total=... distinct=... checksum=...}, until
 * {@code quit} or the end of the input. So the driver can interleave Spark's runs with the other
 * variants' while the context stays up.
 */
public final class WordCountSpark {
    private static final Pattern WHITESPACE = Pattern.compile("[ \\t\\n\\x0B\\f\\r]+");

    private WordCountSpark() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String master = args[1];
        long start = System.nanoTime();
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName("partita-wordcount")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf);
                BufferedReader commands =
                        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            sc.setLogLevel("WARN");
            long startup = System.nanoTime() - start;
            System.out.printf(
                    "spark %s on %s %s, %s, default parallelism %d, context started in %.0f ms%n",
                    sc.version(),
                    System.getProperty("java.vm.name"),
                    System.getProperty("java.runtime.version"),
                    master,
                    sc.defaultParallelism(),
                    startup / 1e6);
            System.out.println("RESULT startup millis=" + startup / 1_000_000);
            for (String tokenizer; (tokenizer = commands.readLine()) != null && !tokenizer.equals("quit"); ) {
                long t0 = System.nanoTime();
                List<Tuple2<String, Long>> counts = count(sc, file.toString(), tokenizer.trim());
                long elapsed = System.nanoTime() - t0;
                System.out.println("RESULT tokenizer=" + tokenizer.trim() + " millis=" + elapsed / 1_000_000 + " "
                        + summary(counts).text());
            }
        }
    }

    /** One word count job, collected to the driver. */
    static List<Tuple2<String, Long>> count(JavaSparkContext sc, String path, String tokenizer) {
        JavaRDD<String> lines = sc.textFile(path);
        System.out.println("spark: " + lines.getNumPartitions() + " input partitions");
        JavaRDD<String> words = switch (tokenizer) {
            case "regex" -> lines.flatMap(WordCountSpark::regexWords);
            case "hand" -> lines.flatMap(WordCountSpark::handWords);
            default -> throw new IllegalArgumentException("tokenizer must be regex or hand, was " + tokenizer);
        };
        JavaPairRDD<String, Long> counts =
                words.mapToPair(w -> new Tuple2<>(w, 1L)).reduceByKey(Long::sum);
        return counts.collect();
    }

    private static Iterator<String> regexWords(String line) {
        String[] parts = WHITESPACE.split(line);
        List<String> words = new ArrayList<>(parts.length);
        for (String p : parts) {
            if (!p.isEmpty()) {
                words.add(p);
            }
        }
        return words.iterator();
    }

    private static Iterator<String> handWords(String line) {
        List<String> words = new ArrayList<>();
        WordCountBaseline.words(line, words::add);
        return words.iterator();
    }

    private static WordCountBaseline.Summary summary(List<Tuple2<String, Long>> counts) {
        Map<String, long[]> map = new HashMap<>(counts.size() * 2);
        for (Tuple2<String, Long> t : counts) {
            if (map.put(t._1(), new long[] {t._2()}) != null) {
                throw new IllegalStateException("word counted twice: " + t._1());
            }
        }
        return WordCountBaseline.Summary.of(map);
    }
}
