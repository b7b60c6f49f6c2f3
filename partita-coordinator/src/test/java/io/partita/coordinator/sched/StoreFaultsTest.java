package io.partita.coordinator.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.calls.CallCache;
import io.partita.coordinator.core.Lease;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.protocol.Codec;
import io.partita.protocol.Message;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.testing.ChaosStore;
import io.partita.testing.ChaosStore.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The result path under store faults, with a real store behind a {@link ChaosStore}: a commit whose
 * outcome is unknown (it landed, then the connection died) is resolved, never guessed; a store that is
 * down pauses dispatch and reports itself, and nothing fails or is computed twice.
 */
class StoreFaultsTest {
    @TempDir
    Path dir;

    ChaosStore store;
    Scheduler scheduler;
    ResultWriter writer;
    StoreHealth health;
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void start() {
        store = new ChaosStore(Store.open("jdbc:sqlite:" + dir.resolve("p.db")));
        CoordinatorConfig config = CoordinatorConfig.builder()
                .auth(false)
                .maxBatch(100)
                .heartbeatInterval(Duration.ofSeconds(1))
                .build();
        scheduler = new Scheduler(store, Codec.mapper(), config, nanos::get, System::currentTimeMillis, "test");
        health = new StoreHealth();
        health.onChange(scheduler::storeAvailable);
        writer = new ResultWriter(store, scheduler, health);
        scheduler.writer(writer);
        scheduler.cache(new CallCache(1 << 20, System::currentTimeMillis));
        writer.start();
    }

    @AfterEach
    void stop() {
        store.heal();
        writer.close();
        store.close();
    }

    JobRun submit(String id, long partitions, String options) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("function", "f");
        if (partitions > 0) {
            root.put("partitions", partitions);
        }
        try {
            root.set("options", Codec.mapper().readTree(options));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return scheduler.submit(id, JobSpec.parse(root, 10_000_000));
    }

    WorkerConn worker(SchedulerTest.RecordingOutbox out) {
        return scheduler.connect(
                new Message.Hello(1, "java", "t", List.of("java"), 1, 1, List.of("f"), 64, java.util.Map.of()),
                "test",
                io.partita.coordinator.core.Trust.LOCAL,
                null,
                null,
                out);
    }

    /** Answers every lease sent so far that was not answered yet: partitions with their index + 1. */
    int answerAll(WorkerConn w, SchedulerTest.RecordingOutbox out, int seen, AtomicLong seq) {
        List<Lease> leases = List.copyOf(out.leases);
        List<Message.Result> results = new ArrayList<>();
        for (Lease lease : leases.subList(seen, leases.size())) {
            int level = JobRun.level(lease.key);
            long value = level < 0 ? 0 : level == 0 ? JobRun.index(lease.key) + 1 : -1;
            results.add(
                    level < 0
                            ? new Message.Result(
                                    lease.work.id,
                                    -1,
                                    0,
                                    lease.attempt,
                                    true,
                                    Codec.mapper().createObjectNode().put("count", 4),
                                    null,
                                    0)
                            : level == 0 ? SchedulerTest.ok(lease, value) : combine(lease));
        }
        if (!results.isEmpty()) {
            scheduler.results(w, new Message.Results(seq.incrementAndGet(), results), SchedulerTest.encode(results));
        }
        return leases.size();
    }

    /** The sum of a combine node's children, read from the store as a worker would get them. */
    Message.Result combine(Lease lease) {
        JobRun job = (JobRun) lease.work;
        int level = JobRun.level(lease.key);
        int index = JobRun.index(lease.key);
        long sum = 0;
        for (byte[] b : store.delegate()
                .outputs(
                        job.id,
                        level - 1,
                        job.shape().firstChild(index),
                        job.shape().endChild(level, index))) {
            sum += Long.parseLong(new String(b));
        }
        return SchedulerTest.ok(lease, sum);
    }

    /** Runs a job to its end with one worker, answering whatever it is sent. */
    void runToEnd(String id, SchedulerTest.RecordingOutbox out, WorkerConn w) {
        AtomicLong seq = new AtomicLong();
        int[] seen = {0};
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    seen[0] = answerAll(w, out, seen[0], seq);
                    return store.delegate().job(id).orElseThrow().status().isFinal();
                });
    }

    private static void assertNoStoreErrorsSent(SchedulerTest.RecordingOutbox out) {
        assertThat(out.messages)
                .noneMatch(m -> m instanceof Message.Error e && e.code().equals("store_unavailable"));
    }

    @Test
    void ambiguousCommitOfResults_isResolvedNotRequeued_eachTaskRunsOnce() {
        submit("a", 4, "{}"); // 4 partitions and one combine root
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        scheduler.pull(w, 10);
        // the next commit is the results' once the job's events are written
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.delegate().events("a", 0, 10).stream()
                        .anyMatch(e -> e.type().equals("started")));
        store.commitThenFail(Op.COMMIT, 1);
        runToEnd("a", out, w);
        assertThat(new String(store.delegate().job("a").orElseThrow().result().orElseThrow()))
                .isEqualTo("10");
        assertThat(store.injected(Op.COMMIT)).isEqualTo(1);
        assertThat(out.leases).as("no task ran twice").hasSize(5);
        assertNoStoreErrorsSent(out);
        assertThat(scheduler.progress("a").orElseThrow().failed()).isZero();
    }

    @Test
    void ambiguousCommitOfACombineResult_doesNotLoseTheChildrenItPruned() {
        // The campaign's failure: the combine's commit landed (and pruned its children), its reply
        // was lost, the combine was requeued and could not find its inputs any more.
        submit("a", 4, "{}");
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        scheduler.pull(w, 4);
        AtomicLong seq = new AtomicLong();
        answerAll(w, out, 0, seq);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.leases.size() == 5);
        store.commitThenFail(Op.COMMIT, 2);
        answerAll(w, out, 4, seq);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.delegate().job("a").orElseThrow().status() == JobStatus.DONE);
        assertThat(new String(store.delegate().job("a").orElseThrow().result().orElseThrow()))
                .isEqualTo("10");
        assertThat(out.leases).hasSize(5);
        assertNoStoreErrorsSent(out);
    }

    @Test
    void ambiguousCommitOfAPrepareResult_preparesOnce() {
        submit("p", 0, "{}");
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        store.commitThenFail(Op.PREPARED, 1);
        scheduler.pull(w, 10);
        runToEnd("p", out, w);
        assertThat(store.delegate().job("p").orElseThrow().partitions()).isEqualTo(4);
        assertThat(new String(store.delegate().job("p").orElseThrow().result().orElseThrow()))
                .isEqualTo("10");
        assertThat(out.leases).as("prepare, 4 partitions, the root").hasSize(6);
    }

    @Test
    void failedAndAmbiguousCommitsOfTheFinalState_areRetriedUntilRecorded() {
        submit("x", 2, "{\"maxAttempts\": 1}");
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        scheduler.pull(w, 1);
        store.failNext(Op.FINISH, 2).commitThenFail(Op.FINISH, 1);
        Lease lease = out.leases.get(0);
        List<Message.Result> failed = List.of(
                new Message.Result(lease.work.id, 0, JobRun.index(lease.key), lease.attempt, false, null, "boom", 0));
        scheduler.results(w, new Message.Results(1, failed), new byte[1][]);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.delegate().job("x").orElseThrow().status() == JobStatus.FAILED);
        assertThat(store.injected(Op.FINISH)).isEqualTo(3);
        assertThat(store.delegate().job("x").orElseThrow().error())
                .get()
                .asString()
                .contains("boom");
    }

    @Test
    void ambiguousCommitOfEvents_writesEachEventOnce() {
        store.commitThenFail(Op.COMMIT, 1);
        submit("e", 2, "{}");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.injected(Op.COMMIT) == 1 && !health.problem().isPresent());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !store.delegate().events("e", 0, 100).isEmpty());
        List<JobEvent> events = store.delegate().events("e", 0, 100);
        Set<Long> seqs = new HashSet<>();
        for (JobEvent e : events) {
            assertThat(seqs.add(e.seq())).as("event %d written once", e.seq()).isTrue();
        }
        assertThat(events).extracting(JobEvent::type).contains("submitted");
    }

    @Test
    void storeDown_pausesDispatch_reportsDegraded_andResumesWhenItReturns() {
        submit("a", 4, "{}");
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        scheduler.pull(w, 2);
        assertThat(out.leases).hasSize(2);
        store.down();
        AtomicLong seq = new AtomicLong();
        answerAll(w, out, 0, seq);
        await().atMost(Duration.ofSeconds(10)).until(() -> health.problem().isPresent());
        assertThat(health.problem().orElseThrow()).contains("chaos");
        // Nothing new is leased while results cannot be made durable.
        SchedulerTest.RecordingOutbox other = new SchedulerTest.RecordingOutbox();
        scheduler.pull(worker(other), 10);
        assertThat(other.leases).isEmpty();
        assertThat(out.acks()).isEmpty();
        store.up();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> health.problem().isEmpty() && out.acks().size() == 1);
        assertThat(out.acks().get(0).accepted()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> !other.leases.isEmpty() || out.leases.size() > 2);
        assertNoStoreErrorsSent(out);
        assertThat(scheduler.progress("a").orElseThrow().failed()).isZero();
    }

    @Test
    void combineInputsUnreadableBecauseOfTheStore_doNotCountAsAnAttempt() {
        submit("a", 2, "{\"maxAttempts\": 1}");
        SchedulerTest.RecordingOutbox out = new SchedulerTest.RecordingOutbox();
        WorkerConn w = worker(out);
        scheduler.pull(w, 2);
        answerAll(w, out, 0, new AtomicLong());
        await().atMost(Duration.ofSeconds(10)).until(() -> out.leases.size() == 3);
        Lease combine = out.leases.get(2);
        TaskContents contents = new TaskContents(store, null, Codec.mapper(), health);
        store.failNext(Op.OUTPUTS, 1);
        TaskContents.Unavailable e = org.assertj.core.api.Assertions.catchThrowableOfType(
                TaskContents.Unavailable.class, () -> contents.content(combine));
        assertThat(e.storeFault()).isTrue();
        assertThat(health.failing(StoreHealth.Path.READS)).isTrue();
        scheduler.leaseBroken(w, combine, e.getMessage(), !e.storeFault());
        assertThat(scheduler.progress("a").orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(scheduler.progress("a").orElseThrow().failed()).isZero();
        health.recovered(StoreHealth.Path.READS);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.leases.size() == 4);
        assertThat(contents.content(out.leases.get(3)).inputs()).hasSize(2);
    }
}
