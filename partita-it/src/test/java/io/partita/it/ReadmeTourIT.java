package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.testing.ApiClient;
import io.partita.testing.JavaProcess;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tour, run as written: every command of every {@code ```sh} block of README.md, in
 * order, through {@code bash} in a directory that looks like a checkout ({@code ./partita} and
 * {@code examples/}), against a real {@code ./partita server} process, with the outputs checked
 * (against the README's own {@code # ...} comments where it shows them).
 *
 * <p>{@link #STEPS} lists the commands, each with how it is run and checked; {@code
 * stepsMatchReadme} fails when the README and this list drift apart, so a command added to the
 * README without a step here fails the build. The only changes made to a command are the ones the
 * README itself tells its reader to make: {@code 8080} is the server's real port ({@code --port 0},
 * "the line above shows the real one"), {@code HOST} is 127.0.0.1, {@code ID} and {@code ds-…} are
 * the ids printed earlier, {@code [optional]} parts are left out, and {@code curl} sends the {@code
 * Authorization} header the README leaves out "for brevity". {@code ./partita} is the real launcher
 * (JDK choice, JIT flags) on the distribution this build packaged ({@code PARTITA_NO_BUILD=1}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeTourIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    static Path work;

    static JavaProcess server;
    static int port;
    static ApiClient api;

    /** What the tour has learned so far: ids printed by earlier commands. */
    static final Map<String, String> ids = new HashMap<>();

    /** The README's commands in order, each with the way it is run and checked. */
    static final Map<String, Consumer<Command>> STEPS = new LinkedHashMap<>();

    static {
        STEPS.put(
                "./partita server     # coordinator + dashboard on http://localhost:8080, using this machine's cores",
                c -> assertThat(server.alive()).isTrue()); // started (with --port 0) before the tour
        STEPS.put("./mvnw -B verify     # build and run the whole test suite", c -> {}); // this very build
        STEPS.put("./partita server", c -> {
            // The line the README shows under it, with the real port.
            String shown = c.shown().get(0).substring(1).strip().replace("8080", Integer.toString(port));
            assertThat(server.lines()).contains(shown);
        });
        STEPS.put("./partita submit examples/pi.json --wait", c -> {
            Run r = c.run();
            r.assertOk();
            ids.put("pi", r.lines().get(0));
            JsonNode result = r.lastJson();
            assertThat(result.get("samples").asLong()).isEqualTo(100_000_000L);
            assertThat(result.get("estimate").asDouble()).isCloseTo(Math.PI, within(0.001));
            ids.put("piResult", result.toString());
        });
        STEPS.put("./partita submit examples/pi.json --param samples=200000 --param seed=7 --wait", c -> {
            Run r = c.run();
            r.assertOk();
            assertThat(r.lastJson().get("samples").asLong()).isEqualTo(200_000_000L);
        });
        STEPS.put(
                "curl -s -XPOST localhost:8080/api/jobs -H 'Content-Type: application/json' -d \"$(jq -n \\\n"
                        + "  --rawfile src examples/js/pi.mjs '{code: {language: \"js\", source: $src}, partitions: 10,"
                        + " params: {samples: 10000, seed: 42}}')\"",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    String js = r.json().get("id").asText();
                    // The README: "examples/js/pi.mjs gives exactly the same answer as examples/pi".
                    String java = api.post(
                                    "/api/jobs",
                                    "{\"function\":\"examples/pi\",\"partitions\":10,"
                                            + "\"params\":{\"samples\":10000,\"seed\":42}}")
                            .json()
                            .get("id")
                            .asText();
                    assertThat(result(js)).isEqualTo(result(java));
                    ids.put("jsPi", parse(result(js)).toString());
                });
        STEPS.put(
                "./partita submit examples/js/pi.mjs --partitions 10 --param samples=10000 --param seed=42 --wait",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    // The module file gives the same job as the inline spec above, hence the same answer.
                    assertThat(r.lastJson().toString()).isEqualTo(ids.get("jsPi"));
                });
        STEPS.put(
                "./partita worker --coordinator http://HOST:8080 [--token WORKER_TOKEN] [--slots 4] [--name lab-pc]"
                        + " [--idle-exit 10m]",
                c -> {
                    try (JavaProcess worker = c.start("worker")) {
                        List<String> before = workers();
                        await().atMost(Duration.ofSeconds(60)).until(() -> !before.containsAll(workers()));
                        worker.terminate(); // "SIGTERM ... stops it gracefully ... and exits 0"
                        assertThat(worker.waitFor(Duration.ofSeconds(60))).isZero();
                    }
                });
        STEPS.put(
                "./partita bots --coordinator http://HOST:8080 --count 2 [--slots-per-bot 1] [--idle-exit 30s]", c -> {
                    try (JavaProcess bots = c.start("bots")) {
                        await().atMost(Duration.ofSeconds(90))
                                .until(() -> workers().stream()
                                                .filter(w -> w.contains(" bot-"))
                                                .count()
                                        == 2);
                        assertThat(bots.lines()).anyMatch(l -> l.startsWith("[bot-"));
                        bots.terminate(); // "SIGTERM is forwarded to every bot"
                        assertThat(bots.waitFor(Duration.ofSeconds(60))).isZero();
                    }
                });
        STEPS.put(
                "curl -s localhost:8080/api/calls -H 'Content-Type: application/json' -d '{\"function\":"
                        + " \"examples/fib\", \"args\": [90]}'",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    assertThat(r.json()).isEqualTo(c.shownJson());
                });
        STEPS.put(
                "curl -s localhost:8080/api/cache/stats   # hits, misses, merged calls, executions per function", c -> {
                    Run r = c.run();
                    r.assertOk();
                    assertThat(r.out()).contains("examples/fib");
                });
        STEPS.put(
                "curl -s 'localhost:8080/api/datasets?name=sales&format=csv' -H 'Content-Type: text/csv' --data-binary"
                        + " @examples/data/sales.csv",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    JsonNode ds = r.json();
                    // The README shows {"id":"ds-…","format":"csv","columns":[...],"splits":1,…}
                    assertThat(ds.get("id").asText()).startsWith("ds-");
                    assertThat(ds.get("format").asText()).isEqualTo("csv");
                    assertThat(ds.get("columns").toString())
                            .isEqualTo("[\"date\",\"city\",\"product\",\"quantity\",\"amount\"]");
                    assertThat(ds.get("splits").asInt()).isEqualTo(1);
                    ids.put("dataset", ds.get("id").asText());
                });
        STEPS.put(
                "curl -s localhost:8080/api/queries -H 'Content-Type: application/json' -d '{\"dataset\": \"ds-…\","
                        + " \"groupBy\": [\"city\"],\n"
                        + "  \"aggregates\": [{\"fn\": \"sum\", \"column\": \"amount\"}], \"orderBy\": [{\"column\":"
                        + " \"sum_amount\", \"desc\": true}]}'",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    String id = r.json().get("id").asText();
                    awaitDone("/api/queries/" + id);
                    ids.put("query", id);
                });
        STEPS.put("curl -s localhost:8080/api/queries/ID/output          # JSON lines, one row each", c -> {
            Run r = c.run(ids.get("query"));
            r.assertOk();
            List<Map.Entry<String, Double>> expected =
                    new ArrayList<>(sumByCity().entrySet());
            expected.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            List<String> rows = r.lines();
            ids.put("queryRows", String.join("\n", rows));
            assertThat(rows).hasSize(expected.size());
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = parse(rows.get(i));
                assertThat(row.get("city").asText()).isEqualTo(expected.get(i).getKey());
                assertThat(row.get("sum_amount").asDouble())
                        .isCloseTo(expected.get(i).getValue(), within(1e-6));
            }
        });
        STEPS.put(
                "curl -s localhost:8080/api/mapreduce -H 'Content-Type: application/json' -d '{\"dataset\": \"ds-…\","
                        + " \"function\": \"examples/wordcount\", \"reducers\": 2}'",
                c -> {
                    // Before the fix this job failed with a raw ClassCastException (a CSV row is a Map).
                    Run r = c.run();
                    r.assertOk();
                    String id = r.json().get("id").asText();
                    awaitDone("/api/mapreduce/" + id);
                    Map<String, Long> counted = new HashMap<>();
                    for (String line : new String(api.bytes("/api/mapreduce/" + id + "/output"), StandardCharsets.UTF_8)
                            .lines()
                            .toList()) {
                        JsonNode pair = parse(line);
                        counted.put(pair.get("key").asText(), pair.get("value").asLong());
                    }
                    assertThat(counted).isEqualTo(wordsOfSales());
                });
        STEPS.put(
                "./partita data upload examples/data/sales.csv   # prints the dataset id; data list, show ID, rm ID",
                c -> {
                    Run r = c.run();
                    r.assertOk();
                    ids.put("dataset2", r.out().strip());
                    assertThat(api.get("/api/datasets/" + ids.get("dataset2"))
                                    .json()
                                    .get("columns")
                                    .size())
                            .isEqualTo(5);
                });
        STEPS.put("./partita query ID --group-by city --agg sum:amount --order-by sum_amount:desc --wait", c -> {
            Run r = c.run(ids.get("dataset2"));
            r.assertOk();
            // The same rows as the curl query's output above, after the query's id.
            assertThat(r.lines().subList(1, r.lines().size()))
                    .isEqualTo(ids.get("queryRows").lines().toList());
        });
        STEPS.put("./partita mapreduce ID --function examples/wordcount --reducers 2 --wait", c -> {
            Run r = c.run(ids.get("dataset2"));
            r.assertOk();
            Map<String, Long> counted = new HashMap<>();
            for (String line : r.lines().subList(1, r.lines().size())) {
                JsonNode pair = parse(line);
                counted.put(pair.get("key").asText(), pair.get("value").asLong());
            }
            assertThat(counted).isEqualTo(wordsOfSales());
        });
        STEPS.put("./partita status              # the job list", c -> {
            Run r = c.run();
            r.assertOk();
            assertThat(r.out()).contains(ids.get("pi"));
        });
        STEPS.put(
                "./partita status ID [--json]  # one job (or dataset, MapReduce or query job, call): status, progress,"
                        + " error",
                c -> {
                    Run r = c.run(ids.get("pi"));
                    r.assertOk();
                    assertThat(r.out()).contains(ids.get("pi")).contains("done");
                    Run dataset = c.run(ids.get("dataset"));
                    dataset.assertOk();
                    assertThat(dataset.out()).contains("format:  csv");
                    Run query = c.run(ids.get("query"));
                    query.assertOk();
                    assertThat(query.out()).contains("kind:     query", "status:   done");
                });
        STEPS.put("./partita result ID [-o result.json]   # exits 1 if the job is unknown or not done yet", c -> {
            Run r = c.run(ids.get("pi"));
            r.assertOk();
            assertThat(r.json().toString()).isEqualTo(ids.get("piResult"));
        });
        STEPS.put("./partita cancel ID", c -> {
            // A job that is still running when cancelled: pi at 10^9 samples a partition.
            String id = api.post(
                            "/api/jobs",
                            "{\"function\":\"examples/pi\",\"partitions\":1000,"
                                    + "\"params\":{\"samples\":1000000000,\"seed\":1}}")
                    .json()
                    .get("id")
                    .asText();
            Run r = c.run(id);
            r.assertOk();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.get("/api/jobs/" + id)
                            .json()
                            .get("status")
                            .asText()
                            .equals("cancelled"));
            ids.put("cancelled", id);
        });
        STEPS.put("./partita delete ID           # a finished job, with its results and event log", c -> {
            Run r = c.run(ids.get("cancelled"));
            r.assertOk();
            assertThat(api.get("/api/jobs/" + ids.get("cancelled")).status()).isEqualTo(404);
        });
        STEPS.put("./partita data list           # datasets; ./partita data rm ID removes one and its data", c -> {
            Run r = c.run();
            r.assertOk();
            assertThat(r.out()).contains(ids.get("dataset"), ids.get("dataset2"));
        });
        STEPS.put("./partita workers             # connected workers: kind, trust, slots, runtimes, functions", c -> {
            Run r = c.run();
            r.assertOk();
            assertThat(r.out()).contains("local", "examples/wordcount");
        });
        STEPS.put(
                "./mvnw -B verify      # unit tests (Surefire, *Test) and integration tests (Failsafe, *IT)", c -> {});
        STEPS.put(
                ".ci/run               # what CI runs: picks a JDK >= 21, starts PostgreSQL, installs Chromium, then"
                        + " the line above",
                c -> {}); // what runs this test
    }

    @BeforeAll
    static void start() throws Exception {
        Files.createSymbolicLink(work.resolve("examples"), REPO.resolve("examples"));
        // The real launcher, on the distribution this build has just packaged (PARTITA_NO_BUILD: it
        // would otherwise rebuild a tree it finds without its stamp).
        Files.createSymbolicLink(work.resolve("partita"), REPO.resolve("partita"));
        server = shell("server", "exec ./partita server --port 0");
        String listening =
                server.awaitLine(l -> l.startsWith("Partita coordinator listening on"), Duration.ofSeconds(90));
        Matcher m = Pattern.compile("http://localhost:(\\d+)/").matcher(listening);
        assertThat(m.find()).as(listening).isTrue();
        port = Integer.parseInt(m.group(1));
        String token =
                Files.readString(work.resolve("partita-data/admin-token")).strip();
        api = new ApiClient(URI.create("http://localhost:" + port), token);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.terminate(); // Ctrl-C or SIGTERM stops the local worker, then the coordinator
            assertThat(server.waitFor(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void stepsMatchReadme() throws IOException {
        List<String> readme = Readme.commands(Files.readString(REPO.resolve("README.md"))).stream()
                .map(Command::text)
                .toList();
        assertThat(readme)
                .as("README.md's shell commands, in order, must be the steps of ReadmeTourIT")
                .containsExactlyElementsOf(STEPS.keySet());
    }

    @Test
    void readmeTour_everyCommandAsWritten() throws IOException {
        List<Command> commands = Readme.commands(Files.readString(REPO.resolve("README.md")));
        assertThat(commands).hasSizeGreaterThan(15);
        for (Command c : commands) {
            Consumer<Command> step = STEPS.get(c.text());
            assertThat(STEPS).as("a step for: %s", c.text()).containsKey(c.text());
            step.accept(c);
        }
    }

    /** One shell command of the README, with the comment lines shown under it (its output). */
    record Command(String text, List<String> shown) {
        /** The command as it runs here: the README's placeholders filled in as the README says. */
        String concrete(String id) {
            String s = text.replaceAll(" \\[-[^\\]]*\\]", "")
                    .replace("localhost:8080", "localhost:" + port)
                    .replace("HOST:8080", "127.0.0.1:" + port)
                    .replace("ds-…", ids.getOrDefault("dataset", "ds-…"));
            return id == null ? s : s.replaceAll("\\bID\\b", id);
        }

        Run run() {
            return run(null);
        }

        Run run(String id) {
            try {
                Path out = Files.createTempFile(work, "out", ".txt");
                Path err = Files.createTempFile(work, "err", ".txt");
                Process p = new ProcessBuilder("bash", "-c", preamble() + concrete(id))
                        .directory(work.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("%s ended", text).isTrue();
                Run r = new Run(concrete(id), p.exitValue(), Files.readString(out), Files.readString(err));
                System.out.println("$ " + r.command() + "\n" + r.out() + r.err());
                return r;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        JavaProcess start(String name) {
            return shell(name, "exec " + concrete(null));
        }

        JsonNode shownJson() {
            assertThat(shown).as("output shown under %s", text).isNotEmpty();
            return parse(shown.get(0).substring(1).strip());
        }
    }

    record Run(String command, int code, String out, String err) {
        void assertOk() {
            assertThat(code).as("exit code of %s; stderr: %s", command, err).isZero();
            assertThat(out).as("output of %s", command).doesNotContain("\"error\"");
        }

        List<String> lines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }

        JsonNode json() {
            return parse(out);
        }

        JsonNode lastJson() {
            return parse(lines().get(lines().size() - 1));
        }
    }

    /** Environment of every command: the README's TOKEN, its PARTITA_URL, curl sending the token. */
    private static String preamble() {
        return "set -eo pipefail\n"
                + "export PARTITA_NO_BUILD=1\n"
                + "export PARTITA_URL=http://localhost:" + port + "\n"
                + "export TOKEN=$(cat partita-data/admin-token)\n"
                + "curl() { command curl -H \"Authorization: Bearer $TOKEN\" \"$@\"; }\n";
    }

    private static JavaProcess shell(String name, String script) {
        return JavaProcess.startCommand(
                name, work, List.of("bash", "-c", (port == 0 ? "export PARTITA_NO_BUILD=1\n" : preamble()) + script));
    }

    /** The connected workers, as "id name". */
    private static List<String> workers() {
        List<String> out = new ArrayList<>();
        for (JsonNode w : api.get("/api/workers").json().get("items")) {
            out.add(w.get("id").asText() + " " + w.get("name").asText());
        }
        return out;
    }

    private static void awaitDone(String path) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String status = api.get(path).json().get("status").asText();
            assertThat(status).as(path).isNotIn("failed", "cancelled");
            return status.equals("done");
        });
    }

    private static String result(String jobId) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            String status = api.get("/api/jobs/" + jobId).json().get("status").asText();
            assertThat(status).isNotIn("failed", "cancelled");
            return status.equals("done");
        });
        return api.get("/api/jobs/" + jobId + "/result").body();
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    private static List<String[]> salesRows() {
        try {
            List<String> lines = Files.readAllLines(REPO.resolve("examples/data/sales.csv"));
            return lines.subList(1, lines.size()).stream()
                    .filter(l -> !l.isEmpty())
                    .map(l -> l.split(","))
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Double> sumByCity() {
        Map<String, Double> sums = new HashMap<>();
        for (String[] row : salesRows()) {
            sums.merge(row[1], Double.parseDouble(row[4]), Double::sum);
        }
        return sums;
    }

    private static Map<String, Long> wordsOfSales() {
        Map<String, Long> counts = new HashMap<>();
        for (String[] row : salesRows()) {
            for (String value : row) {
                for (String word : value.strip().split("[ \\t]+")) {
                    if (!word.isEmpty()) {
                        counts.merge(word, 1L, Long::sum);
                    }
                }
            }
        }
        return counts;
    }

    /** Splits README.md's {@code ```sh} blocks into commands (quotes and {@code \} continue a line). */
    static final class Readme {
        static List<Command> commands(String markdown) {
            List<Command> out = new ArrayList<>();
            boolean inBlock = false;
            StringBuilder pending = null;
            List<String> shown = new ArrayList<>();
            for (String line : markdown.lines().toList()) {
                if (!inBlock) {
                    inBlock = line.strip().equals("```sh");
                    continue;
                }
                if (line.strip().equals("```")) {
                    inBlock = false;
                    if (pending != null) {
                        out.add(new Command(pending.toString(), List.copyOf(shown)));
                        pending = null;
                    }
                    continue;
                }
                if (pending != null && open(pending.toString())) {
                    pending.append('\n').append(line);
                    continue;
                }
                if (line.startsWith("#")) {
                    shown.add(line);
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (pending != null) {
                    out.add(new Command(pending.toString(), List.copyOf(shown)));
                }
                pending = new StringBuilder(line);
                shown.clear();
            }
            return out;
        }

        /** Whether a command continues on the next line: an open quote or a trailing backslash. */
        static boolean open(String s) {
            boolean single = false;
            boolean dbl = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' && !dbl) {
                    single = !single;
                } else if (c == '"' && !single) {
                    dbl = !dbl;
                } else if (c == '#' && !single && !dbl && (i == 0 || s.charAt(i - 1) == ' ')) {
                    return false; // a comment to the end of the line
                }
            }
            return single || dbl || s.endsWith("\\");
        }
    }
}
