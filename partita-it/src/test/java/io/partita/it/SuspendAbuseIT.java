package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.core.SchedulerCore;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that says every task it gets waits for grid calls ({@code suspend}) and never answers
 * (issue 18): a suspended attempt gives its slot back, so before the bound such a worker held as
 * many tasks as it liked, for ever. Now only an attempt that made grid calls it still waits for may
 * be suspended (and then for at most {@value SchedulerCore#SUSPEND_ROUNDS} time limits, at most
 * {@value SchedulerCore#MIN_SUSPENDED} per worker; SchedulerCoreTest): the hoarder keeps one task,
 * which times out and goes to an honest worker, and the job's result is exact.
 */
class SuspendAbuseIT {
    @TempDir
    Path dir;

    @Test
    void aWorkerSuspendingEveryTask_withoutCalls_keepsOneTask_andTheJobIsExact() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger held = new AtomicInteger();
        AtomicInteger revoked = new AtomicInteger();
        try (Grid grid = new Grid(
                        dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
                RawWorker hoarder = new RawWorker(grid.coordinator.url())) {
            hoarder.send(new Message.Hello(
                    Message.VERSION,
                    "java",
                    "hoarder",
                    List.of("java"),
                    1,
                    1 << 20,
                    List.of("examples/pi"),
                    1,
                    Map.of()));
            // speculation off: only the bound on suspension can take the tasks back
            String id = grid.api.submit("{\"function\":\"examples/pi\",\"partitions\":300,"
                    + "\"params\":{\"samples\":2000,\"seed\":3},"
                    + "\"options\":{\"fanIn\":8,\"taskTimeout\":\"1s\",\"speculation\":false}}");
            Thread thief = Thread.ofPlatform().daemon().start(() -> {
                try {
                    hoarder.send(new Message.Pull(1));
                    while (!stop.get()) {
                        Message m = hoarder.received.poll(200, TimeUnit.MILLISECONDS);
                        hoarder.send(new Message.Heartbeat(System.currentTimeMillis()));
                        if (m instanceof Message.Tasks tasks) {
                            List<Message.TaskRef> refs = new ArrayList<>();
                            for (Message.Task t : tasks.tasks()) {
                                refs.add(new Message.TaskRef(t.job(), t.level(), t.index(), t.attempt()));
                            }
                            held.addAndGet(refs.size());
                            hoarder.send(new Message.Suspend(refs)); // "waiting for calls", for ever
                        } else if (m instanceof Message.Cancel cancel) {
                            revoked.addAndGet(cancel.tasks().size());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            org.awaitility.Awaitility.await("the hoarder got a task")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> held.get() >= 1);
            Thread.sleep(1500); // a measurement window: had its suspension counted, more tasks would come
            assertThat(held.get())
                    .as("a suspension without grid calls waiting is ignored: the task keeps its slot")
                    .isEqualTo(1);
            try (Worker honest = Worker.start(WorkerConfig.defaults(grid.coordinator.url())
                    .withSlots(2)
                    .withToken(java.util.Optional.of(grid.coordinator.localWorkerToken())))) {
                JsonNode done = grid.awaitStatus(id, "done", Duration.ofSeconds(90));
                assertThat(done.get("counts").get("done").asLong()).isEqualTo(300);
                assertThat(revoked.get()).as("its attempt timed out").isGreaterThanOrEqualTo(1);
            } finally {
                stop.set(true);
                thief.join(5000);
            }
            JsonNode result = grid.api.get("/api/jobs/" + id + "/result").json();
            assertThat(result.get("inside").asLong()).isEqualTo(Grid.piInsideReference(300, 2000, 3));
        }
    }
}
