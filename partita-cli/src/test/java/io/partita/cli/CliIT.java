package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client commands in-process against a real coordinator (random port, temporary data directory)
 * and a real in-process worker.
 */
class CliIT {
    @TempDir
    static Path dir;

    static Coordinator coordinator;
    static Worker worker;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        coordinator = Coordinator.start(CoordinatorConfig.builder()
                .trust(new CoordinatorConfig.Trust(java.util.List.of("127.0.0.1", "::1"), false))
                .auth(false)
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("data"))
                .build());
        url = "http://127.0.0.1:" + coordinator.port();
        worker = Worker.start(WorkerConfig.defaults(URI.create(url))
                .withSlots(2)
                .withName("cli-it")
                .withKind("java"));
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
    }

    record Run(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = execute(out, err, args);
        return new Run(code, out.toString(), err.toString());
    }

    static int execute(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--coordinator";
        all[args.length + 1] = url;
        return cmd.execute(all);
    }

    static Path spec(String name, int partitions) throws Exception {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, """
        {"name": "%s", "function": "examples/noop", "partitions": %d}
        """.formatted(name, partitions));
        return file;
    }

    @Test
    void delete_finishedJob_statusThenSaysNoSuchJob() throws Exception {
        Run r = run("submit", spec("noop-to-delete", 10).toString(), "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        String id = r.outLines().get(0);
        Run delete = run("delete", id);
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(delete.out()).isEqualTo(id + " deleted" + System.lineSeparator());
        Run status = run("status", id);
        assertThat(status.code()).isNotZero();
        assertThat(status.err()).contains(id);
    }

    @Test
    void datasetListAndDelete_removeTheDataset_secondDeleteSaysNoSuchDataset() throws Exception {
        java.net.http.HttpResponse<String> created = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(URI.create(url + "/api/datasets?name=cli-ds&format=text"))
                                // an upload declares its type (a missing or text/plain one is refused: cross-site)
                                .header("Content-Type", "application/octet-stream")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("a\nb\n"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(created.body())
                .get("id")
                .asText();
        Run list = run("dataset", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains(id + " ready 4 cli-ds");
        Run delete = run("dataset", "delete", id);
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(delete.out()).isEqualTo(id + " deleted" + System.lineSeparator());
        assertThat(run("dataset", "list").out()).doesNotContain(id);
        Run again = run("dataset", "delete", id);
        assertThat(again.code()).isNotZero();
        assertThat(again.err()).contains("no dataset with id '" + id + "'");
    }

    @Test
    void dataUploadShowQueryMapreduce_salesCsv_everyIdUnderstoodByStatus() {
        Run up = run("data", "upload", "../examples/data/sales.csv");
        assertThat(up.code()).as(up.err()).isZero();
        String ds = up.out().strip();
        assertThat(ds).startsWith("ds-");
        Run show = run("data", "show", ds);
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out())
                .contains("name:    sales", "format:  csv", "columns: date, city, product, quantity, amount");
        assertThat(run("status", ds).out()).isEqualTo(show.out());
        assertThat(run("data", "list").out()).contains(ds + " ready");

        Run query = run(
                "query", ds, "--group-by", "city", "--agg", "sum:amount", "--order-by", "sum_amount:desc", "--wait");
        assertThat(query.code()).as(query.err()).isZero();
        assertThat(query.outLines().get(1)).isEqualTo("{\"city\":\"Rome\",\"sum_amount\":2909.25}");
        assertThat(query.outLines()).hasSize(1 + 7);
        Run queryStatus = run("status", query.outLines().get(0));
        assertThat(queryStatus.code()).as(queryStatus.err()).isZero();
        assertThat(queryStatus.out()).contains("kind:     query", "status:   done");

        Run mr = run("mapreduce", ds, "--function", "examples/wordcount", "--reducers", "2", "--wait");
        assertThat(mr.code()).as(mr.err()).isZero();
        // 400 rows, each a city: Lisbon is one of seven cities.
        assertThat(mr.outLines()).anyMatch(l -> l.startsWith("{\"key\":\"Lisbon\",\"value\":"));
        assertThat(mr.err()).contains("mapreduce " + mr.outLines().get(0) + ": done");
        assertThat(run("status", mr.outLines().get(0)).out()).contains("kind:     mapreduce", "status:   done");

        Run rm = run("data", "rm", ds);
        assertThat(rm.code()).as(rm.err()).isZero();
        assertThat(rm.out()).isEqualTo(ds + " deleted" + System.lineSeparator());
    }

    @Test
    void mapreduce_neitherFunctionNorCode_oneLine() {
        Run r = run("mapreduce", "ds-x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("partita: mapreduce needs exactly one of --function NAME and --code MODULE.mjs"
                        + System.lineSeparator());
    }

    @Test
    void query_badAggregate_oneLine() {
        Run r = run("query", "ds-x", "--agg", "sum:");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("partita: --agg must be FN:COL or FN, was 'sum:'" + System.lineSeparator());
    }

    @Test
    void call_fib90_printsTheResult() {
        Run r = run("call", "examples/fib", "90");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("2880067194370816120" + System.lineSeparator());
    }

    @Test
    void call_unknownFunction_oneLine() {
        Run r = run("call", "examples/no-such-function", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: ").contains("examples/no-such-function");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void workers_listsTheConnectedWorker() {
        Run r = run("workers");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("ID").contains("cli-it").contains("examples/fib");
    }

    @Test
    void status_unknownId_oneLineNamingEveryKind() {
        Run r = run("status", "no-such-id");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("partita: no job, dataset, MapReduce or query job, or call with id 'no-such-id'"
                        + System.lineSeparator());
    }

    @Test
    void submitWait_moduleFile_runsItWithPartitionsAndParams() {
        // examples/js/primes.mjs counts the primes up to params.limit: 168 up to 1000.
        Run r = run("submit", "../examples/js/primes.mjs", "--partitions", "4", "--param", "limit=1000", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.outLines();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("168");
        JsonNode job = coordinatorJob(lines.get(0));
        assertThat(job.path("name").asText()).isEqualTo("primes");
        assertThat(job.path("partitions").asInt()).isEqualTo(4);
    }

    @Test
    void submit_missingModule_oneLine() {
        Run r = run("submit", dir.resolve("nope.mjs").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("partita: module not found: " + dir.resolve("nope.mjs") + System.lineSeparator());
    }

    @Test
    void submit_partitionsBelowOne_oneLine() throws Exception {
        Run r = run("submit", spec("bad-partitions", 3).toString(), "--partitions", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("partita: --partitions must be at least 1, was 0" + System.lineSeparator());
    }

    static JsonNode coordinatorJob(String id) {
        Run r = run("status", id, "--json");
        assertThat(r.code()).as(r.err()).isZero();
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        } catch (java.io.IOException e) {
            throw new AssertionError(r.out(), e);
        }
    }

    @Test
    void submitWait_noopJob_printsIdThenResult() throws Exception {
        Run r = run("submit", spec("noop-100", 100).toString(), "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.outLines();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
        String id = lines.get(0);
        assertThat(id).isNotBlank().doesNotContain(" ");
        assertThat(lines.get(lines.size() - 1).strip()).isEqualTo("100");
        // Not a terminal here: plain progress lines on stderr, the last one at 100%.
        assertThat(r.err()).contains("job " + id + " done: 100/100 (100%)");

        Run status = run("status", id);
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains(id).contains("done");

        Run json = run("status", id, "--json");
        assertThat(json.code()).isZero();
        JsonNode job = CoordinatorClient.JSON.readTree(json.out());
        assertThat(job.get("status").asText()).isEqualTo("done");
        assertThat(job.get("counts").get("done").asInt()).isEqualTo(100);

        Run list = run("status");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains(id).contains("noop-100");

        Run result = run("result", id);
        assertThat(result.code()).isZero();
        assertThat(result.out().strip()).isEqualTo("100");

        Path file = dir.resolve("out/result.json");
        Run toFile = run("result", id, "-o", file.toString());
        assertThat(toFile.code()).isZero();
        assertThat(Files.readString(file).strip()).isEqualTo("100");
    }

    @Test
    void rerun_withChangedParam_printsTheNewResult() throws Exception {
        Path pi = dir.resolve("pi.json");
        Files.writeString(pi, """
        {"function": "examples/pi", "partitions": 20, "params": {"samples": 1000, "seed": 1}}
        """);
        Run first = run("submit", pi.toString(), "--wait");
        assertThat(first.code()).as(first.err()).isZero();
        String id = first.outLines().get(0);
        Run again = run("rerun", id, "--param", "seed=2", "--wait");
        assertThat(again.code()).as(again.err()).isZero();
        JsonNode firstResult = CoordinatorClient.JSON.readTree(
                first.outLines().get(first.outLines().size() - 1));
        JsonNode secondResult = CoordinatorClient.JSON.readTree(
                again.outLines().get(again.outLines().size() - 1));
        long expected = 0;
        for (long p = 0; p < 20; p++) {
            expected += io.partita.examples.Pi.sample(1000, 2, p).inside();
        }
        assertThat(secondResult.get("inside").asLong()).isEqualTo(expected);
        assertThat(secondResult.get("inside").asLong())
                .isNotEqualTo(firstResult.get("inside").asLong());
        Run unknown = run("rerun", "nope", "--param", "seed=2");
        assertThat(unknown.code()).isNotZero();
        assertThat(unknown.err().strip()).startsWith("partita:").doesNotContain("\n");
    }

    @Test
    void submit_withParam_isAccepted() throws Exception {
        Run r = run("submit", spec("noop-param", 10).toString(), "--param", "note=hello", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.outLines().get(r.outLines().size() - 1).strip()).isEqualTo("10");
    }

    @Test
    void unknownId_statusResultCancel_failWithOneLine() {
        for (String command : new String[] {"status", "result", "cancel"}) {
            Run r = run(command, "no-such-job");
            assertThat(r.code()).as(command).isNotZero();
            assertThat(r.out()).as(command).isEmpty();
            assertThat(r.err().lines().toList()).as(command).hasSize(1);
            assertThat(r.err()).as(command).startsWith("partita: ").doesNotContain("Exception");
        }
    }

    @Test
    void resultBeforeDone_failsThenCancelEndsWaitingSubmit() throws Exception {
        // A job far too large to finish during this test.
        Path big = spec("noop-big", 5_000_000);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread waiting =
                Thread.ofVirtual().start(() -> code.set(execute(out, err, "submit", big.toString(), "--wait")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !out.toString().isBlank() || code.get() >= 0);
        assertThat(code.get()).as(err.toString()).isEqualTo(-1);
        String id = out.toString().lines().findFirst().orElseThrow().strip();

        Run early = run("result", id);
        assertThat(early.code()).isNotZero();
        assertThat(early.err().lines().toList()).hasSize(1);
        assertThat(early.err()).startsWith("partita: ");

        Run cancel = run("cancel", id);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        assertThat(cancel.out()).contains(id);

        await().atMost(Duration.ofSeconds(30)).until(() -> code.get() >= 0);
        waiting.join(Duration.ofSeconds(5));
        assertThat(code.get()).isEqualTo(1);
        assertThat(err.toString()).contains("partita: job " + id + " cancelled");

        Run status = run("status", id, "--json");
        assertThat(CoordinatorClient.JSON.readTree(status.out()).get("status").asText())
                .isEqualTo("cancelled");
    }
}
