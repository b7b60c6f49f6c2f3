package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.protocol.Message;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative copies of stragglers (docs/scheduling.md): a worker that takes tasks and never answers
 * them (a background tab, a stalled machine) holds part of a job whose time limit is long. Without
 * speculation the job would wait for that limit; with it, once nothing else is pending, the fast
 * worker runs copies, the job finishes while the straggler still holds its tasks, and every
 * partition is recorded once.
 */
class SpeculationIT {
    @TempDir
    Path dir;

    @Test
    void aWorkerThatNeverAnswers_doesNotHoldTheJobBack_andEveryPartitionIsRecordedOnce() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger held = new AtomicInteger();
        AtomicInteger cancelled = new AtomicInteger();
        try (Grid grid = new Grid(
                        dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
                RawWorker slow = new RawWorker(grid.coordinator.url())) {
            slow.send(new Message.Hello(
                    Message.VERSION,
                    "java",
                    "straggler",
                    List.of("java"),
                    1,
                    1 << 20,
                    List.of("examples/pi"),
                    2,
                    Map.of()));
            Thread straggler = Thread.ofPlatform().daemon().start(() -> {
                try {
                    slow.send(new Message.Pull(2));
                    while (!stop.get()) {
                        Message m = slow.received.poll(200, TimeUnit.MILLISECONDS);
                        slow.send(new Message.Heartbeat(System.currentTimeMillis()));
                        if (m instanceof Message.Tasks tasks) {
                            held.addAndGet(tasks.tasks().size()); // and never answered
                        } else if (m instanceof Message.Cancel cancel) {
                            cancelled.addAndGet(cancel.tasks().size());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            grid.awaitWorkers(1);
            String id;
            try (Worker fast = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                    .withSlots(2)
                    .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())))) {
                grid.awaitWorkers(2);
                id = grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":40,"
                        + "\"params\":{\"samples\":20000,\"seed\":5},"
                        + "\"options\":{\"fanIn\":8,\"taskTimeout\":\"10m\"}}");
                JsonNode done = grid.awaitStatus(id, "done", Duration.ofSeconds(90));
                assertThat(held.get()).as("the straggler took tasks").isPositive();
                assertThat(cancelled.get()).as("its attempts were superseded").isPositive();
                assertThat(done.get("counts").get("done").asLong()).isEqualTo(40);
            } finally {
                stop.set(true);
                straggler.join(5000);
            }
            JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
            assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(40, 20000, 5));
            assertThat(result.get("samples").asLong()).isEqualTo(40L * 20000);
        }
    }
}
