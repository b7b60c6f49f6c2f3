package io.partita.coordinator.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.calls.CallCache;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.protocol.Codec;
import io.partita.protocol.Message;
import io.partita.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler's rules, driven directly with a fake clock and recording outboxes. */
class SchedulerTest {
    @TempDir
    Path dir;

    Store store;
    Scheduler scheduler;
    ResultWriter writer;
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    /** An outbox that records what the scheduler sends to one worker. */
    static final class RecordingOutbox implements WorkerConn.Outbox {
        final List<Message> messages = new CopyOnWriteArrayList<>();
        final List<Lease> leases = new CopyOnWriteArrayList<>();
        volatile String closed;
        volatile boolean open = true;

        @Override
        public boolean open() {
            return open;
        }

        @Override
        public void send(Message message) {
            messages.add(message);
        }

        @Override
        public void sendTasks(List<Message.JobInfo> jobs, List<Lease> batch) {
            leases.addAll(batch);
        }

        @Override
        public void close(int code, String reason) {
            closed = code + " " + reason;
        }

        List<Message.Ack> acks() {
            return messages.stream()
                    .filter(Message.Ack.class::isInstance)
                    .map(Message.Ack.class::cast)
                    .toList();
        }
    }

    @BeforeEach
    void start() {
        store = Store.open("jdbc:sqlite:" + dir.resolve("p.db"));
        CoordinatorConfig config = CoordinatorConfig.builder()
                .auth(false)
                .maxBatch(100)
                .heartbeatInterval(Duration.ofSeconds(1))
                .build();
        scheduler = new Scheduler(store, Codec.mapper(), config, nanos::get, System::currentTimeMillis, "test");
        writer = new ResultWriter(store, scheduler, new StoreHealth());
        scheduler.writer(writer);
        scheduler.cache(new CallCache(1 << 20, System::currentTimeMillis));
        writer.start();
    }

    @AfterEach
    void stop() {
        writer.close();
        store.close();
    }

    JobRun submit(String id, String function, long partitions, String options) {
        var root = JsonNodeFactory.instance.objectNode();
        root.put("function", function);
        root.put("partitions", partitions);
        try {
            root.set("options", Codec.mapper().readTree(options));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return scheduler.submit(id, JobSpec.parse(root, 10_000_000));
    }

    /** A 4-core, 8 GiB worker that asks for job "gpu" only, with these features. */
    static Message.Hello gpuJobWorker(List<String> features) {
        return new Message.Hello(
                1,
                "browser",
                "t",
                List.of("java"),
                4,
                8L << 30,
                List.of("f"),
                4,
                java.util.Map.of(),
                features,
                null,
                null,
                List.of("gpu"));
    }

    /** A worker with 64 slots, so that only its credits limit what it gets. */
    WorkerConn worker(RecordingOutbox outbox, String... functions) {
        return worker(outbox, 64, functions);
    }

    WorkerConn worker(RecordingOutbox outbox, int slots, String... functions) {
        return scheduler.connect(
                new Message.Hello(1, "java", "t", List.of("java"), 1, 1, List.of(functions), slots, java.util.Map.of()),
                "test",
                io.partita.coordinator.core.Trust.LOCAL,
                null,
                null,
                outbox);
    }

    static Message.Result ok(Lease lease, long value) {
        return new Message.Result(
                lease.work.id,
                JobRun.level(lease.key),
                JobRun.index(lease.key),
                lease.attempt,
                true,
                LongNode.valueOf(value),
                null,
                0);
    }

    static byte[][] encode(List<Message.Result> results) {
        byte[][] out = new byte[results.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = String.valueOf(results.get(i).output()).getBytes();
        }
        return out;
    }

    void send(WorkerConn w, long seq, List<Message.Result> results) {
        assertThat(scheduler.results(w, new Message.Results(seq, results), encode(results)))
                .isEmpty();
    }

    @Test
    void lease_respectsCreditsAndFunctions() {
        submit("a", "f/one", 50, "{}");
        submit("b", "f/two", 50, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f/two");
        scheduler.pull(w, 7);
        assertThat(out.leases).hasSize(7).allSatisfy(l -> assertThat(l.work.id).isEqualTo("b"));
        assertThat(scheduler.progress("b").orElseThrow().running()).isEqualTo(7);
        assertThat(scheduler.progress("a").orElseThrow().running()).isZero();
    }

    @Test
    void newWorker_holdsTwoTasksPerSlot_untilItsSpeedIsKnown() {
        submit("a", "f", 1000, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 1, "f");
        scheduler.pull(w, 500);
        assertThat(out.leases).hasSize(2); // 500 credits, but nothing known of its speed: 2 per slot
        List<Message.Result> results = new ArrayList<>();
        for (Lease lease : out.leases) {
            results.add(ok(lease, 1));
        }
        send(w, 1, results);
        // two results within a fraction of a second: a fast worker, whose pipeline may grow
        await().atMost(Duration.ofSeconds(10)).until(() -> out.leases.size() > 4);
        assertThat(w.holder.allowance(System.currentTimeMillis())).isGreaterThan(2);
    }

    @Test
    void worker_getsOnlyJobsItAskedFor_andThatItsCapabilitiesMeet() {
        submit("a", "f", 10, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn onlyB = scheduler.connect(
                new Message.Hello(
                        1,
                        "java",
                        "t",
                        List.of("java"),
                        1,
                        1,
                        List.of("f"),
                        8,
                        java.util.Map.of(),
                        null,
                        null,
                        null,
                        List.of("b")),
                "test",
                io.partita.coordinator.core.Trust.LOCAL,
                null,
                null,
                out);
        scheduler.pull(onlyB, 8);
        assertThat(out.leases).isEmpty();
        submit("b", "f", 10, "{}");
        assertThat(out.leases).hasSize(8).allSatisfy(l -> assertThat(l.work.id).isEqualTo("b"));

        ObjectNode gpu = (ObjectNode) Codec.mapper().createObjectNode();
        gpu.put("function", "f").put("partitions", 5);
        gpu.putObject("requirements")
                .put("memory", 1L << 30)
                .putArray("features")
                .add("webgpu");
        scheduler.submit("gpu", JobSpec.parse(gpu, 10_000_000));
        RecordingOutbox small = new RecordingOutbox();
        WorkerConn noGpu = scheduler.connect(
                gpuJobWorker(List.of("wasm")), "test", io.partita.coordinator.core.Trust.LOCAL, null, null, small);
        scheduler.pull(noGpu, 4);
        assertThat(small.leases).isEmpty();
        RecordingOutbox big = new RecordingOutbox();
        WorkerConn withGpu = scheduler.connect(
                gpuJobWorker(List.of("wasm", "webgpu")),
                "test",
                io.partita.coordinator.core.Trust.LOCAL,
                null,
                null,
                big);
        scheduler.pull(withGpu, 4);
        assertThat(big.leases).hasSize(4).allSatisfy(l -> assertThat(l.work.id).isEqualTo("gpu"));
    }

    @Test
    void disconnect_requeuesCurrentLeasesAtOnce() {
        submit("a", "f", 10, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 4);
        scheduler.disconnect(w, "gone");
        Scheduler.Progress p = scheduler.progress("a").orElseThrow();
        assertThat(p.running()).isZero();
        assertThat(p.pending()).isEqualTo(10);
        RecordingOutbox out2 = new RecordingOutbox();
        WorkerConn w2 = worker(out2, "f");
        scheduler.pull(w2, 10);
        assertThat(out2.leases).hasSize(10);
        assertThat(out2.leases.stream().filter(l -> l.attempt == 2).count()).isEqualTo(4);
    }

    @Test
    void resultOfAnotherAttempt_isNotHeld_andNothingIsStored() {
        submit("a", "f", 3, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 1);
        Lease lease = out.leases.get(0);
        var wrongAttempt = new Message.Result(
                "a", 0, JobRun.index(lease.key), lease.attempt + 1, true, LongNode.valueOf(1), null, 0);
        var neverLeased = new Message.Result("a", 0, 2, 1, true, LongNode.valueOf(1), null, 0);
        var results = List.of(wrongAttempt, neverLeased);
        assertThat(scheduler.results(w, new Message.Results(1, results), encode(results)))
                .get()
                .asString()
                .contains("a/0/2#1");
        assertThat(store.outputs("a", 0, 0, 3)).isEmpty();
        assertThat(scheduler.progress("a").orElseThrow().running()).isEqualTo(1);
    }

    @Test
    void lateResultOfExpiredLease_isAcceptedWhileOpen_andTheOtherAttemptIgnored() {
        submit("a", "f", 1, "{\"taskTimeout\":\"PT1S\"}");
        RecordingOutbox slowOut = new RecordingOutbox();
        WorkerConn slow = worker(slowOut, "f");
        scheduler.pull(slow, 1);
        Lease first = slowOut.leases.get(0);
        nanos.addAndGet(Duration.ofMillis(1500).toNanos());
        scheduler.seen(slow);
        scheduler.sweep();
        assertThat(slowOut.messages)
                .anyMatch(m -> m instanceof Message.Cancel c && c.reason().equals("timed out"));
        RecordingOutbox fastOut = new RecordingOutbox();
        WorkerConn fast = worker(fastOut, "f");
        scheduler.pull(fast, 1);
        Lease second = fastOut.leases.get(0);
        assertThat(second.attempt).isEqualTo(2);
        send(slow, 1, List.of(ok(first, 41)));
        await().atMost(Duration.ofSeconds(10)).until(() -> slowOut.acks().size() == 1);
        assertThat(slowOut.acks().get(0).accepted()).isEqualTo(1);
        send(fast, 1, List.of(ok(second, 99)));
        await().atMost(Duration.ofSeconds(10)).until(() -> fastOut.acks().size() == 1);
        assertThat(fastOut.acks().get(0).ignored()).isEqualTo(1);
        assertThat(new String(store.job("a").orElseThrow().result().orElseThrow()))
                .isEqualTo("41");
    }

    @Test
    void timedOutTaskReleasedToTheSameWorker_lateResultOfFirstAttemptCounts_andNoCreditLeaks() {
        submit("a", "f", 1, "{\"taskTimeout\":\"PT1S\"}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 4);
        Lease first = out.leases.get(0);
        nanos.addAndGet(Duration.ofMillis(1500).toNanos());
        scheduler.seen(w);
        scheduler.sweep();
        assertThat(out.leases).hasSize(2);
        Lease second = out.leases.get(1);
        assertThat(second.attempt).isEqualTo(2);
        send(w, 1, List.of(ok(first, 41)));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.acks().size() == 1);
        assertThat(out.acks().get(0).accepted()).isEqualTo(1);
        send(w, 2, List.of(ok(second, 99)));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.acks().size() == 2);
        assertThat(out.acks().get(1).ignored()).isEqualTo(1);
        assertThat(new String(store.job("a").orElseThrow().result().orElseThrow()))
                .isEqualTo("41");
        assertThat(scheduler.workers().get(0).credits()).isEqualTo(4);
    }

    @Test
    void resultNamingAnotherJobsTask_cannotDetachItsLease() {
        submit("done", "f", 1, "{}");
        submit("live", "g", 5, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f", "g");
        scheduler.pull(w, 1);
        Lease doneLease = out.leases.get(0);
        send(w, 1, List.of(ok(doneLease, 1)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.job("done").orElseThrow().status().isFinal());
        scheduler.pull(w, 1);
        Lease liveLease = out.leases.get(out.leases.size() - 1);
        assertThat(liveLease.work.id).isEqualTo("live");
        long running = scheduler.progress("live").orElseThrow().running();
        assertThat(running).isPositive();
        // every level/index combination of the finished job names a task the worker does not hold
        for (int level = -1; level <= 1; level++) {
            var crafted = new Message.Result(
                    "done", level, JobRun.index(liveLease.key), liveLease.attempt, true, LongNode.valueOf(7), null, 0);
            var results = List.of(crafted);
            scheduler.results(w, new Message.Results(10 + level, results), encode(results));
        }
        assertThat(scheduler.progress("live").orElseThrow().running()).isEqualTo(running);
        scheduler.disconnect(w, "gone");
        assertThat(scheduler.progress("live").orElseThrow().running()).isZero();
        assertThat(scheduler.progress("live").orElseThrow().pending()).isEqualTo(5);
    }

    @Test
    void cancelledJob_releasesItsLeasesAndCredits_lateResultsAreIgnored() {
        submit("a", "f", 100, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 5);
        assertThat(scheduler.workers().get(0).credits()).isZero();
        assertThat(scheduler.cancel("a")).isTrue();
        assertThat(scheduler.workers().get(0).credits()).isEqualTo(5);
        assertThat(scheduler.workers().get(0).running()).isEmpty();
        assertThat(out.messages)
                .anyMatch(m -> m instanceof Message.Cancel c && c.tasks().isEmpty());
        var late = List.of(ok(out.leases.get(0), 1));
        assertThat(scheduler.results(w, new Message.Results(1, late), encode(late)))
                .isEmpty();
        assertThat(out.acks())
                .singleElement()
                .satisfies(a -> assertThat(a.ignored()).isEqualTo(1));
        assertThat(store.outputs("a", 0, 0, 100)).isEmpty();
    }

    @Test
    void connectionThatClosedWithoutCloseFrame_isDroppedAtTheNextSweep() {
        submit("a", "f", 5, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 5);
        out.open = false;
        scheduler.sweep();
        assertThat(scheduler.workers()).isEmpty();
        assertThat(scheduler.progress("a").orElseThrow().running()).isZero();
        assertThat(scheduler.progress("a").orElseThrow().pending()).isEqualTo(5);
    }

    @Test
    void silentWorker_isDroppedAndLosesItsLeases() {
        submit("a", "f", 5, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 5);
        nanos.addAndGet(Duration.ofMillis(3100).toNanos());
        scheduler.sweep();
        assertThat(out.closed).startsWith("1001").contains("missed heartbeats");
        assertThat(scheduler.progress("a").orElseThrow().running()).isZero();
        assertThat(scheduler.workers()).isEmpty();
    }

    @Test
    void combineTree_neverExceedsFanIn_andResultIsExact() {
        int n = 1000;
        submit("a", "f", n, "{\"fanIn\":7}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 100);
        int seen = 0;
        long seq = 0;
        List<Integer> combineSizes = new ArrayList<>();
        JobRun job = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (store.job("a").orElseThrow().status().wireName().equals("running")) {
            assertThat(System.nanoTime()).as("job finishes").isLessThan(deadline);
            List<Lease> snapshot = List.copyOf(out.leases);
            List<Lease> batch = new ArrayList<>(snapshot.subList(seen, snapshot.size()));
            seen += batch.size();
            if (batch.isEmpty()) {
                Thread.onSpinWait();
                continue;
            }
            List<Message.Result> results = new ArrayList<>();
            for (Lease lease : batch) {
                job = ((JobRun) lease.work);
                int level = JobRun.level(lease.key);
                long index = JobRun.index(lease.key);
                if (level == 0) {
                    results.add(ok(lease, index + 1));
                } else {
                    List<byte[]> inputs = store.outputs(
                            "a",
                            level - 1,
                            job.shape().firstChild(index),
                            job.shape().endChild(level, index));
                    combineSizes.add(inputs.size());
                    long sum = inputs.stream()
                            .mapToLong(b -> Long.parseLong(new String(b)))
                            .sum();
                    results.add(ok(lease, sum));
                }
            }
            send(w, ++seq, results);
        }
        assertThat(new String(store.job("a").orElseThrow().result().orElseThrow()))
                .isEqualTo(String.valueOf((long) n * (n + 1) / 2));
        assertThat(combineSizes)
                .isNotEmpty()
                .allSatisfy(size -> assertThat(size).isBetween(1, 7));
        assertThat(combineSizes).hasSize((int) (job.totalTasks() - n));
    }

    static Message.TaskRef ref(Lease lease) {
        return new Message.TaskRef(lease.work.id, JobRun.level(lease.key), JobRun.index(lease.key), lease.attempt);
    }

    /** The task of {@code lease} calls a grid function no connected worker runs: the call waits. */
    private void makesACall(WorkerConn w, Lease lease, long requestId) {
        var def = new io.partita.coordinator.calls.CallFunctions.Def("g", "java", "1", true, Duration.ofMinutes(1));
        scheduler.workerCalls(
                w,
                List.of(new Scheduler.WorkerCall(
                        requestId,
                        def,
                        Codec.mapper().createArrayNode().add(requestId),
                        "g-" + requestId,
                        ref(lease))));
    }

    @Test
    void aSuspension_ofATaskWaitingForNoCall_isIgnored_itKeepsItsSlot() {
        submit("a", "f", 10, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 1, "f");
        scheduler.pull(w, 1);
        Lease lease = out.leases.get(0);
        scheduler.suspended(w, List.of(ref(lease)), true);
        assertThat(lease.suspended()).isFalse();
        assertThat(out.leases).as("no credit came back").hasSize(1);
        makesACall(w, lease, 7);
        scheduler.suspended(w, List.of(ref(lease)), true);
        assertThat(lease.suspended()).as("once it waits for a call, it may").isTrue();
        assertThat(out.leases).hasSize(2);
    }

    @Test
    void aSuspendedTask_givesItsSlotAndCreditBack_andItsTimeLimitStops() {
        submit("a", "f", 10, "{\"taskTimeout\": \"PT1S\"}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 1, "f");
        scheduler.pull(w, 1);
        assertThat(out.leases).hasSize(1);
        Lease waiting = out.leases.get(0);

        makesACall(w, waiting, 1);
        scheduler.suspended(w, List.of(ref(waiting)), true);
        assertThat(out.leases)
                .as("the suspended task's credit and slot went to another task")
                .hasSize(2);
        Lease other = out.leases.get(1);
        assertThat(w.holder.held()).isEqualTo(1);

        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        scheduler.seen(w); // heartbeats went on
        scheduler.sweep();
        assertThat(waiting.expired()).as("a suspended task does not time out").isFalse();
        assertThat(other.expired()).isTrue();

        scheduler.suspended(w, List.of(ref(waiting)), false);
        assertThat(w.holder.held()).isEqualTo(2);
        send(w, 1, List.of(ok(waiting, 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.acks().size() == 1);
        assertThat(out.acks().get(0).accepted()).isEqualTo(1);
        assertThat(scheduler.progress("a").orElseThrow().done()).isEqualTo(1);
        assertThat(w.holder.liveLeases()).noneMatch(Lease::suspended);
    }

    @Test
    void aSuspendedTaskGivenBack_isQueuedAgain() {
        submit("a", "f", 1, "{}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 1, "f");
        scheduler.pull(w, 1);
        Lease lease = out.leases.get(0);
        makesACall(w, lease, 1);
        scheduler.suspended(w, List.of(ref(lease)), true);
        scheduler.returned(w, List.of(ref(lease)));
        assertThat(w.holder.liveLeases()).noneMatch(Lease::suspended);
        // queued again, and leased again at once: the suspension had given the worker a credit
        assertThat(out.leases).hasSize(2);
        Lease again = out.leases.get(1);
        assertThat(again.key).isEqualTo(lease.key);
        assertThat(again.attempt).isGreaterThan(lease.attempt);
        assertThat(w.holder.liveLeases()).containsExactly(again);
    }

    @Test
    void jobFailingByTimeOutInTheSweep_failsWithoutAConcurrentModification() {
        // Before the core, failing a job inside the sweep released its leases from the very map the
        // sweep was iterating: "Lease sweep failed" with a ConcurrentModificationException.
        submit("a", "f", 8, "{\"taskTimeout\": \"PT1S\", \"maxAttempts\": 1}");
        submit("b", "f", 8, "{\"priority\": -1}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, "f");
        scheduler.pull(w, 12);
        assertThat(out.leases).hasSize(12);
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        scheduler.sweep();
        var a = scheduler.progress("a").orElseThrow();
        assertThat(a.status()).isEqualTo(io.partita.store.JobStatus.FAILED);
        assertThat(a.error()).get().asString().contains("timed out").contains("(failed 1 of 1 attempts)");
        assertThat(scheduler.workers().get(0).running()).containsOnlyKeys("b");
    }

    static Message.Result failed(Lease lease) {
        return new Message.Result(
                lease.work.id, JobRun.level(lease.key), JobRun.index(lease.key), lease.attempt, false, null, "boom", 0);
    }

    @Test
    void failedAttempts_surviveARestart_theTaskGetsNoFreshAttempts() {
        // Issue 2's note: the counters were not stored, so a restart gave a failing task new attempts.
        submit("a", "f", 2, "{\"maxAttempts\": 3}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 1, "f");
        scheduler.pull(w, 1);
        Lease first = out.leases.get(0);
        send(w, 1, List.of(failed(first)));
        await().atMost(Duration.ofSeconds(5)).until(() -> out.leases.size() == 2);
        Lease second = out.leases.get(1);
        assertThat(second.key).isEqualTo(first.key);
        send(w, 2, List.of(failed(second)));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> store.failures("a").stream().anyMatch(f -> f.failures() == 2));
        writer.close();

        // A restarted coordinator over the same store.
        Scheduler restarted = new Scheduler(
                store,
                Codec.mapper(),
                CoordinatorConfig.builder().auth(false).build(),
                nanos::get,
                System::currentTimeMillis,
                "b");
        writer = new ResultWriter(store, restarted, new StoreHealth());
        restarted.writer(writer);
        restarted.cache(new CallCache(1 << 20, System::currentTimeMillis));
        restarted.recover();
        writer.start();
        assertThat(restarted.progress("a").orElseThrow().failed()).isEqualTo(2);
        RecordingOutbox again = new RecordingOutbox();
        WorkerConn w2 = restarted.connect(
                new Message.Hello(1, "java", "t", List.of("java"), 1, 1, List.of("f"), 1, java.util.Map.of()),
                "test",
                io.partita.coordinator.core.Trust.LOCAL,
                null,
                null,
                again);
        restarted.pull(w2, 1);
        Lease third = again.leases.get(0);
        assertThat(third.key).isEqualTo(first.key);
        assertThat(third.attempt).as("numbered after the stored failures").isEqualTo(3);
        assertThat(restarted.results(w2, new Message.Results(1, List.of(failed(third))), new byte[1][]))
                .isEmpty();
        var a = restarted.progress("a").orElseThrow();
        assertThat(a.status()).isEqualTo(io.partita.store.JobStatus.FAILED);
        assertThat(a.error()).get().asString().contains("(failed 3 of 3 attempts)");
    }

    @Test
    void tasksGivenBackUnstarted_areNotRetries_butAFailedAttemptIs() {
        // Regression: the job's "retried" counted every task leased twice, so a worker that gave
        // back 8 unstarted tasks showed "2 failed, 8 retried".
        submit("a", "f", 10, "{\"maxAttempts\": 3}");
        RecordingOutbox out = new RecordingOutbox();
        WorkerConn w = worker(out, 64, "f");
        scheduler.pull(w, 10);
        assertThat(out.leases).hasSize(10);
        List<Lease> first = List.copyOf(out.leases);
        List<Message.TaskRef> refs = new ArrayList<>();
        for (Lease lease : first.subList(0, 8)) {
            refs.add(ref(lease));
        }
        scheduler.returned(w, refs);
        send(w, 1, List.of(failed(first.get(8)), failed(first.get(9))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> scheduler.progress("a").orElseThrow().failed() == 2);
        Scheduler.Progress p = scheduler.progress("a").orElseThrow();
        assertThat(p.retried()).as("tasks run again after a failed attempt").isEqualTo(2);
    }

    WorkerConn untrusted(String host, String... functions) {
        return scheduler.connect(
                new Message.Hello(1, "java", "u", List.of("java"), 1, 1, List.of(functions), 1, java.util.Map.of()),
                host + ":1",
                io.partita.coordinator.core.Trust.UNTRUSTED,
                host,
                null,
                new RecordingOutbox());
    }

    @Test
    void aJobNoConnectedWorkerCanRun_saysWhy() {
        submit("a", "f/wanted", 4, "{\"verification\": \"quorum\"}");
        assertThat(scheduler.waiting("a")).contains("no worker is connected");
        worker(new RecordingOutbox(), "f/other");
        assertThat(scheduler.waiting("a")).contains("no connected worker offers function f/wanted");
        untrusted("10.0.0.1", "f/wanted");
        untrusted("10.0.0.1", "f/wanted"); // a second tab of the same host is not a second host
        assertThat(scheduler.waiting("a")).get().asString().startsWith("waiting for a second host");
        untrusted("10.0.0.2", "f/wanted");
        assertThat(scheduler.waiting("a")).isEmpty();
        assertThat(scheduler.waiting("no-such-job")).isEmpty();

        var root = JsonNodeFactory.instance.objectNode();
        root.put("function", "f/other");
        root.put("partitions", 1);
        root.putObject("requirements").putArray("features").add("gpu");
        scheduler.submit("c", JobSpec.parse(root, 10_000_000));
        assertThat(scheduler.waiting("c")).contains("no connected worker meets its requirements (features gpu)");
        worker(new RecordingOutbox(), "f/other");
        assertThat(scheduler.waiting("c")).isPresent();
    }
}
