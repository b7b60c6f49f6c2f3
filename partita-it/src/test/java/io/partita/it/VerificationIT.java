package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification from the attacker's side (docs/verification.md): a real coordinator that trusts
 * nobody but counts each connection as a host (one machine), honest real workers without
 * credentials, and lying workers — raw WebSocket clients speaking the protocol — that answer
 * every task at once with a wrong output of their own, sometimes or always. No lie is ever
 * accepted, the results equal the sequential reference exactly, and the liars get no credit.
 */
class VerificationIT {
    static final CoordinatorConfig.Trust ONE_MACHINE = new CoordinatorConfig.Trust(List.of(), true);

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void close() throws Exception {
        stop.set(true);
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    /** How a liar lies. */
    enum Lies {
        ALWAYS,
        SOMETIMES
    }

    /**
     * A lying worker: pulls tasks and answers each at once, with a wrong output unique to it (liars
     * do not collude), on every task or on half of them.
     */
    static final long SAMPLES = 200_000;

    /** Liar i keeps the volunteer key KEY_PREFIX + i, as a browser keeps its key across visits. */
    static final String KEY_PREFIX = "liar-key-0123456789-";

    private Thread liar(Grid grid, int index, Lies lies, AtomicInteger lied) {
        return liar(grid, index, lies, lied, List.of("examples/pi"), List.of(), task -> {
            long samples = SAMPLES
                    * Math.max(1, task.inputs() == null ? 1 : task.inputs().size());
            long inside = samples + 1 + index; // a lie of its own: liars do not collude
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            return out.put("inside", inside).put("samples", samples).put("estimate", 4.0 * inside / samples);
        });
    }

    private Thread liar(
            Grid grid,
            int index,
            Lies lies,
            AtomicInteger lied,
            List<String> functions,
            List<Message.FunctionInfo> catalog,
            java.util.function.Function<Message.Task, JsonNode> lie) {
        String name = "liar-" + index;
        RawWorker raw = new RawWorker(grid.coordinator.url(), Map.of(), "?volunteer=" + KEY_PREFIX + index);
        resources.add(raw);
        raw.send(new Message.Hello(
                Message.VERSION,
                functions.isEmpty() ? "browser" : "java",
                name,
                functions.isEmpty() ? List.of("js") : List.of("java"),
                1,
                1 << 20,
                functions,
                4,
                Map.of(),
                List.of(),
                null,
                null,
                List.of(),
                catalog));
        Random random = new Random(name.hashCode());
        Thread t = Thread.ofPlatform().daemon().name(name).start(() -> {
            long seq = 0;
            try {
                raw.send(new Message.Pull(8));
                long lastBeat = System.nanoTime();
                while (!stop.get()) {
                    Message m = raw.received.poll(100, TimeUnit.MILLISECONDS);
                    if (System.nanoTime() - lastBeat > 200_000_000L) {
                        raw.send(new Message.Heartbeat(System.currentTimeMillis()));
                        lastBeat = System.nanoTime();
                    }
                    if (!(m instanceof Message.Tasks tasks)) {
                        continue;
                    }
                    List<Message.Result> results = new ArrayList<>();
                    List<Message.TaskRef> returned = new ArrayList<>();
                    for (Message.Task task : tasks.tasks()) {
                        boolean lying = lies == Lies.ALWAYS || random.nextBoolean();
                        if (lying) {
                            lied.incrementAndGet();
                            JsonNode out = lie.apply(task);
                            results.add(new Message.Result(
                                    task.job(),
                                    task.level(),
                                    task.index(),
                                    task.attempt(),
                                    true,
                                    out,
                                    null,
                                    99_000,
                                    null));
                        } else {
                            // It does not compute: it gives the task back unstarted, as a busy worker may.
                            returned.add(new Message.TaskRef(task.job(), task.level(), task.index(), task.attempt()));
                        }
                    }
                    if (!results.isEmpty()) {
                        raw.send(new Message.Results(++seq, results));
                    }
                    if (!returned.isEmpty()) {
                        raw.send(new Message.Return(returned));
                    }
                    raw.send(new Message.Pull(tasks.tasks().size()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return t;
    }

    private void honest(Grid grid, int n) {
        for (int i = 0; i < n; i++) {
            // No token: these real workers are as untrusted as any stranger's.
            resources.add(Worker.start(
                    WorkerConfig.defaults(grid.coordinator.url()).withSlots(1).withName("honest-" + i)));
        }
    }

    private Map<String, JsonNode> volunteersByWorkerName(Grid grid) {
        Map<String, String> idByName = new HashMap<>();
        for (JsonNode w : grid.api.get("/api/workers").json().get("items")) {
            idByName.put(w.get("name").asText(), w.get("volunteer").asText());
            assertThat(w.get("trust").asText()).isEqualTo("untrusted");
        }
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode v : grid.api.get("/api/volunteers?limit=100").json().get("items")) {
            byId.put(v.get("id").asText(), v);
        }
        Map<String, JsonNode> out = new HashMap<>();
        idByName.forEach((name, id) -> {
            if (byId.containsKey(id)) {
                out.put(name, byId.get(id));
            }
        });
        return out;
    }

    private void runPi(int honest, int liars, Lies lies, int quorum, int maxReplicas) throws Exception {
        Grid grid = new Grid(
                dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)), ONE_MACHINE);
        resources.add(grid);
        AtomicInteger lied = new AtomicInteger();
        for (int i = 0; i < liars; i++) {
            liar(grid, i, lies, lied);
        }
        honest(grid, honest);
        grid.awaitWorkers(honest + liars);
        long partitions = 40;
        String id = grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":" + partitions
                + ",\"params\":{\"samples\":" + SAMPLES
                + ",\"seed\":11},\"options\":{\"fanIn\":4,\"verification\":\"quorum\","
                + "\"quorum\":" + quorum + ",\"maxReplicas\":" + maxReplicas + "}}");
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
        assertThat(lied.get()).as("the liars lied").isPositive();
        assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(partitions, SAMPLES, 11));
        assertThat(result.get("samples").asLong()).isEqualTo(partitions * SAMPLES);

        await("the records are saved and listed").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, JsonNode> records = volunteersByWorkerName(grid);
            long caught = 0;
            for (int i = 0; i < liars; i++) {
                JsonNode liar = records.get("liar-" + i);
                assertThat(liar).as("liar-%d has a record", i).isNotNull();
                assertThat(liar.get("credit").asDouble())
                        .as("liar-%d's credit", i)
                        .isZero();
                assertThat(liar.get("validated").asLong()).isZero();
                caught += liar.get("invalid").asLong();
            }
            assertThat(caught).as("lies caught").isPositive();
            double honestCredit = 0;
            for (int i = 0; i < honest; i++) {
                JsonNode h = records.get("honest-" + i);
                if (h != null) {
                    assertThat(h.get("invalid").asLong()).isZero();
                    honestCredit += h.get("credit").asDouble();
                }
            }
            assertThat(honestCredit).as("honest hosts' credit").isPositive();
        });
    }

    @Test
    void quorumOf2_withTenPercentLiars_acceptsNoLie() throws Exception {
        runPi(9, 1, Lies.ALWAYS, 2, 5);
    }

    @Test
    void quorumOf2_withThirtyPercentLiarsWhoLieSometimes_acceptsNoLie() throws Exception {
        runPi(7, 3, Lies.SOMETIMES, 2, 6);
    }

    @Test
    void quorumOf3_withFortyFivePercentLiars_acceptsNoLie() throws Exception {
        runPi(6, 5, Lies.ALWAYS, 3, 10);
    }

    @Test
    void catalogTakeoverAndPoisonedCalls_areRefused() throws Exception {
        Grid grid = new Grid(
                dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)), ONE_MACHINE);
        resources.add(grid);
        AtomicInteger lied = new AtomicInteger();
        // The audit's attack: announce examples/fib with a new version, then answer every call 1337.
        liar(
                grid,
                0,
                Lies.ALWAYS,
                lied,
                List.of("examples/fib"),
                List.of(new Message.FunctionInfo("examples/fib", "call", "9.9-evil", true)),
                task -> JsonNodeFactory.instance.numberNode(1337));
        honest(grid, 2);
        grid.awaitWorkers(3);
        assertThat(grid.api.get("/api/functions").body())
                .contains("examples/fib")
                .doesNotContain("9.9-evil");
        // A second liar announces the genuine version, so that it is sent calls, and answers them all 1337.
        String version = null;
        for (JsonNode f : grid.api.get("/api/functions").json().get("items")) {
            if (f.get("name").asText().equals("examples/fib")) {
                version = f.get("version").asText();
            }
        }
        assertThat(version).isNotNull();
        liar(
                grid,
                1,
                Lies.ALWAYS,
                lied,
                List.of("examples/fib"),
                List.of(new Message.FunctionInfo("examples/fib", "call", version, true)),
                task -> JsonNodeFactory.instance.numberNode(1337));
        grid.awaitWorkers(4);

        try (io.partita.client.PartitaClient client = io.partita.client.PartitaClient.connect(grid.coordinator.url())) {
            long value = client.call(Long.class, "examples/fib", 15).get(120, TimeUnit.SECONDS);
            assertThat(value).isEqualTo(610);
            assertThat(lied.get()).as("the liar answered calls").isPositive();
            // what the cache now serves is the validated answer
            assertThat(client.call(Long.class, "examples/fib", 15).get(20, TimeUnit.SECONDS))
                    .isEqualTo(610);
            assertThat(client.call(Long.class, "examples/fib", 12).get(20, TimeUnit.SECONDS))
                    .isEqualTo(144);
        }
    }

    @Test
    void reuseOfAJobThatLiarsWorkedOn_servesOnlyTheValidatedResult() throws Exception {
        runPi(9, 1, Lies.ALWAYS, 2, 5);
        Grid grid = (Grid)
                resources.stream().filter(Grid.class::isInstance).findFirst().orElseThrow();
        String again = grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":40,\"params\":{\"samples\":"
                + SAMPLES + ",\"seed\":11},\"options\":{\"fanIn\":4,\"verification\":\"quorum\","
                + "\"quorum\":2,\"maxReplicas\":5}}");
        grid.awaitStatus(again, "done", Duration.ofSeconds(120));
        assertThat(grid.api
                        .get("/api/jobs/" + again + "/result")
                        .json()
                        .get("inside")
                        .asLong())
                .isEqualTo(Grid.piInsideReference(40, SAMPLES, 11));
    }

    @Test
    void aLiarsRecordFollowsItsVolunteerKey_andSurvivesARestart() throws Exception {
        runPi(6, 1, Lies.ALWAYS, 2, 5);
        Grid grid = (Grid)
                resources.stream().filter(Grid.class::isInstance).findFirst().orElseThrow();
        JsonNode me = grid.api
                .post("/api/volunteers/me", "{\"key\": \"" + KEY_PREFIX + "0\", \"name\": \"Mallory\"}")
                .json();
        String id = me.get("id").asText();
        assertThat(me.get("name").asText()).isEqualTo("Mallory");
        assertThat(me.get("invalid").asLong()).isPositive();
        assertThat(me.get("credit").asDouble()).isZero();
        assertThat(grid.api.post("/api/volunteers/me", "{\"key\": \"short\"}").status())
                .isEqualTo(422);

        stop.set(true);
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
        resources.clear();
        try (Grid again = new Grid(
                dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)), ONE_MACHINE)) {
            JsonNode record = again.api.get("/api/volunteers/" + id).json();
            assertThat(record.get("name").asText()).isEqualTo("Mallory");
            assertThat(record.get("invalid").asLong())
                    .isEqualTo(me.get("invalid").asLong());
            assertThat(record.get("run").asLong()).isZero();
            assertThat(again.api.get("/api/volunteers").body()).contains(id);
        }
    }

    /** An honest pi answer whose estimate differs in the last digits, as another engine's may. */
    private static JsonNode noisyPi(Message.Task task) {
        long inside = 0;
        long samples = 0;
        if (task.level() == 0) {
            io.partita.examples.Pi.Estimate e = io.partita.examples.Pi.sample(SAMPLES, 11, task.index());
            inside = e.inside();
            samples = e.samples();
        } else {
            for (JsonNode child : task.inputs()) {
                inside += child.get("inside").asLong();
                samples += child.get("samples").asLong();
            }
        }
        double estimate = 4.0 * inside / samples * (1 + 1e-13);
        return JsonNodeFactory.instance
                .objectNode()
                .put("inside", inside)
                .put("samples", samples)
                .put("estimate", estimate);
    }

    private String noisyRun(String tolerance) throws Exception {
        Grid grid = new Grid(
                dir.resolve(tolerance.isEmpty() ? "exact" : "tolerant"),
                CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)),
                ONE_MACHINE);
        resources.add(grid);
        liar(grid, 0, Lies.ALWAYS, new AtomicInteger(), List.of("examples/pi"), List.of(), VerificationIT::noisyPi);
        honest(grid, 1);
        grid.awaitWorkers(2);
        return grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":8,\"params\":{\"samples\":" + SAMPLES
                + ",\"seed\":11},\"options\":{\"fanIn\":4,\"verification\":\"quorum\",\"maxReplicas\":2"
                + tolerance + "}}");
    }

    @Test
    void answersThatDifferInTheLastDigits_agreeWithinTheJobsTolerance_andNotWithout() throws Exception {
        String tolerant = noisyRun(",\"tolerance\":1e-9");
        Grid grid = (Grid) resources.get(resources.size() - 3);
        grid.awaitStatus(tolerant, "done", Duration.ofSeconds(60));
        assertThat(grid.api
                        .get("/api/jobs/" + tolerant + "/result")
                        .json()
                        .get("inside")
                        .asLong())
                .isEqualTo(Grid.piInsideReference(8, SAMPLES, 11));

        String exact = noisyRun("");
        Grid other = (Grid) resources.get(resources.size() - 3);
        JsonNode failed = other.awaitStatus(exact, "failed", Duration.ofSeconds(60));
        assertThat(failed.get("error").asText()).contains("no quorum(2 of at most 2) among 2 answers");
    }

    @Test
    void aJavaScriptJob_withThirtyPercentLyingBrowsers_acceptsNoLie() throws Exception {
        Grid grid = new Grid(
                dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)), ONE_MACHINE);
        resources.add(grid);
        AtomicInteger lied = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            int liar = i;
            // lying "browsers": they run JavaScript jobs and answer every task with a number of their own
            liar(
                    grid,
                    i,
                    Lies.ALWAYS,
                    lied,
                    List.of(),
                    List.of(),
                    task -> JsonNodeFactory.instance.numberNode(1_000_000L * (liar + 1) + task.index()));
        }
        honest(grid, 7);
        grid.awaitWorkers(10);
        String id = grid.api.submit(Grid.jsSpec(
                "export function compute(i) { return i * i; }\nexport function combine(a, b) { return a + b; }",
                "\"partitions\":60,\"options\":{\"fanIn\":4,\"verification\":\"quorum\",\"maxReplicas\":6}"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        assertThat(lied.get()).as("the liars lied").isPositive();
        assertThat(grid.api.get("/api/jobs/" + id + "/result").body()).isEqualTo(String.valueOf(59L * 60 * 119 / 6));
    }
}
