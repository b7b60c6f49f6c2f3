package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.CloseCodes;
import io.partita.protocol.Message;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that fails every task it takes (issue 18) cannot fail a job: it is closed with 1008 when
 * it fails a task a second time or goes over {@code max-task-failures-per-minute}, so it spends at
 * most one attempt of each task. Before, it took each task again and again until the task's attempts were spent and the
 * job failed. The attacker is a raw WebSocket; the honest worker a real one.
 */
@Timeout(180)
class FailingWorkerIT {
    private static final long SAMPLES = 20_000;
    private static final int PARTITIONS = 12;

    @TempDir
    Path dir;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        stop.set(true);
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    @Test
    void workerFailingEveryTask_isClosedNamingTheLimit_jobCompletesOnHonestWorker() throws Exception {
        try (Grid grid = new Grid(dir, config().maxTaskFailuresPerMinute(5), CoordinatorConfig.Trust.STRICT)) {
            AtomicInteger failed = new AtomicInteger();
            // A stranger gets one task of a job at a time (its answer alone settles nothing), so
            // six jobs give it six tasks in its first batch, which it fails at once.
            String id = submit(grid);
            for (int j = 0; j < 5; j++) {
                submit(grid);
            }
            RawWorker attacker = attacker(grid, failed);
            // Its first batch of 6 failures is over the limit of 5.
            Awaitility.await("the attacker is closed")
                    .atMost(Duration.ofSeconds(30))
                    .until(attacker.closed::isDone);
            RawWorker.Closed closed = attacker.awaitClosed();
            assertThat(closed.code()).isEqualTo(CloseCodes.POLICY);
            assertThat(closed.reason()).contains("max-task-failures-per-minute");
            assertThat(failed.get()).isGreaterThan(5);
            honestWorker(grid);
            assertExact(grid, id);
        }
    }

    @Test
    void workerFailingATaskTwice_isClosed_itsRepeatIsNotCounted_jobCompletes() throws Exception {
        try (Grid grid = new Grid(dir, config().maxTaskFailuresPerMinute(0), CoordinatorConfig.Trust.STRICT)) {
            AtomicInteger failed = new AtomicInteger();
            RawWorker attacker = attacker(grid, failed);
            String id = submit(grid);
            RawWorker.Closed closed = attacker.awaitClosed();
            assertThat(closed.code()).isEqualTo(CloseCodes.POLICY);
            assertThat(closed.reason()).contains("a second time");
            // It spent at most one of each task's three attempts.
            assertThat(grid.api.job(id).get("status").asText()).isEqualTo("running");
            honestWorker(grid);
            assertExact(grid, id);
        }
    }

    private static CoordinatorConfig.Builder config() {
        return CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500));
    }

    private static String submit(Grid grid) {
        return grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":" + PARTITIONS + ",\"params\":"
                + "{\"samples\":" + SAMPLES + ",\"seed\":5},\"options\":{\"fanIn\":4}}");
    }

    private void honestWorker(Grid grid) {
        // the attacker is a stranger (untrusted); the honest worker is the coordinator's own
        resources.add(Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                .withSlots(1)
                .withName("honest")
                .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken()))));
    }

    private static void assertExact(Grid grid, String id) {
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
        assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(PARTITIONS, SAMPLES, 5));
        assertThat(result.get("samples").asLong()).isEqualTo(PARTITIONS * SAMPLES);
    }

    /** A raw worker that answers every task with a failure at once, and asks for more. */
    private RawWorker attacker(Grid grid, AtomicInteger failed) throws Exception {
        RawWorker raw = new RawWorker(grid.coordinator.url());
        resources.add(raw);
        raw.send(new Message.Hello(
                Message.VERSION,
                "java",
                "attacker",
                List.of("java"),
                1,
                1 << 20,
                List.of("examples/pi"),
                16,
                Map.of()));
        raw.await(Message.Welcome.class);
        Thread t = Thread.ofPlatform().daemon().name("attacker").start(() -> {
            long seq = 0;
            try {
                raw.send(new Message.Pull(16));
                long lastBeat = System.nanoTime();
                while (!stop.get() && !raw.closed.isDone()) {
                    Message m = raw.received.poll(100, TimeUnit.MILLISECONDS);
                    if (System.nanoTime() - lastBeat > 200_000_000L) {
                        raw.send(new Message.Heartbeat(System.currentTimeMillis()));
                        lastBeat = System.nanoTime();
                    }
                    if (!(m instanceof Message.Tasks tasks) || tasks.tasks().isEmpty()) {
                        continue;
                    }
                    List<Message.Result> results = new ArrayList<>();
                    for (Message.Task task : tasks.tasks()) {
                        results.add(new Message.Result(
                                task.job(), task.level(), task.index(), task.attempt(), false, null, "no", 1));
                    }
                    failed.addAndGet(results.size());
                    raw.send(new Message.Results(++seq, results));
                    raw.send(new Message.Pull(tasks.tasks().size()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the socket was closed under it: the test looks at why
            }
        });
        resources.add(() -> t.join(5000));
        return raw;
    }
}
