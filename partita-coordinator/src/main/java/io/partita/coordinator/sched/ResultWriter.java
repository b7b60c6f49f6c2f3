package io.partita.coordinator.sched;

import io.partita.coordinator.calls.CallCache;
import io.partita.store.Completion;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoreException;
import io.partita.store.TaskFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of results. Workers' result batches queue up here; one thread takes everything
 * queued (up to {@value #MAX_ROWS} rows), commits it in one transaction and then tells the
 * scheduler, which acks the workers. Under load a transaction carries many workers' batches, so
 * the cost of a commit is shared; when idle a batch is committed as soon as it arrives.
 *
 * <p>A store failure never fails a task: the writer retries the same idempotent transaction with
 * backoff until it lands (which also resolves a commit whose outcome was unknown), and reports the
 * store degraded meanwhile (see {@link StoreHealth}). Only a permanent error (a bug, a constraint)
 * sends the batch back to the scheduler, which runs its tasks again.
 */
public final class ResultWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResultWriter.class);
    static final int MAX_ROWS = 8192;

    private sealed interface Item permits Batch, Finish, Event, Failures, CacheFlush, Stop {}

    private record CacheFlush(CallCache cache) implements Item {}

    private record Batch(Scheduler.CommitBatch batch) implements Item {}

    private record Finish(String jobId, JobStatus status, Optional<String> error) implements Item {}

    private record Event(JobEvent event) implements Item {}

    private record Failures(TaskFailures failures) implements Item {}

    private record Stop() implements Item {}

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    /** The first wait before a failed store write runs again; it doubles up to {@link #MAX_RETRY}. */
    static final Duration INITIAL_RETRY = Duration.ofMillis(50);

    /** The longest wait between two tries of a store write. */
    static final Duration MAX_RETRY = Duration.ofSeconds(2);

    private final Store store;
    private final Scheduler scheduler;
    private final StoreHealth health;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final java.util.Random random = new java.util.Random();
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final Thread thread;

    /** A writer of {@code scheduler}'s results into {@code store}, reporting its store's state to {@code health}; not started. */
    public ResultWriter(Store store, Scheduler scheduler, StoreHealth health) {
        this.store = store;
        this.scheduler = scheduler;
        this.health = health;
        this.thread = Thread.ofPlatform()
                .name("partita-result-writer")
                .daemon(true)
                .uncaughtExceptionHandler((t, e) -> log.error("Result writer died", e))
                .unstarted(this::run);
    }

    /** Starts the writer's thread; once. */
    public void start() {
        if (state.compareAndSet(State.NEW, State.RUNNING)) {
            thread.start();
        }
    }

    void submit(Scheduler.CommitBatch batch) {
        queue.add(new Batch(batch));
    }

    void submitFinish(String jobId, JobStatus status, Optional<String> error) {
        queue.add(new Finish(jobId, status, error));
    }

    /** Queues a task's failed-attempt count; it is written with the next commit. */
    void submitFailures(TaskFailures failures) {
        queue.add(new Failures(failures));
    }

    /** Queues an entry of a job's event log; it is written with the next commit. */
    void submitEvent(JobEvent event) {
        queue.add(new Event(event));
    }

    /** Queues a write of the call cache's changes (see {@link CallCache#drainChanges()}). */
    public void submitCacheFlush(CallCache cache) {
        queue.add(new CacheFlush(cache));
    }

    private void run() {
        List<Item> items = new ArrayList<>();
        while (true) {
            try {
                items.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            int rows = 0;
            for (Item item; rows < MAX_ROWS && (item = queue.poll()) != null; ) {
                items.add(item);
                if (item instanceof Batch b) {
                    rows += b.batch().accepted().size();
                }
            }
            boolean stop = write(items);
            items.clear();
            if (stop) {
                return;
            }
        }
    }

    private boolean write(List<Item> items) {
        List<Scheduler.CommitBatch> batches = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        List<JobEvent> events = new ArrayList<>();
        List<TaskFailures> failures = new ArrayList<>();
        boolean stop = false;
        try {
            for (Item item : items) {
                switch (item) {
                    case Batch b -> {
                        batches.add(b.batch());
                        for (Scheduler.Accepted a : b.batch().accepted()) {
                            if (a.completion() != null) {
                                completions.add(a.completion());
                            }
                            if (a.event() != null) {
                                events.add(a.event());
                            }
                        }
                    }
                    case Finish f -> {
                        try {
                            durably(
                                    "record that job " + f.jobId() + " is "
                                            + f.status().wireName(),
                                    () -> {
                                        store.finish(f.jobId(), f.status(), f.error(), System.currentTimeMillis());
                                    });
                        } catch (StoreException e) {
                            log.error(
                                    "Could not record that job {} is {}",
                                    f.jobId(),
                                    f.status().wireName(),
                                    e);
                        }
                    }
                    case Event e -> events.add(e.event());
                    case Failures f -> failures.add(f.failures());
                    case CacheFlush f -> flush(f.cache());
                    case Stop s -> stop = true;
                }
            }
            if (!failures.isEmpty()) {
                try {
                    // An upsert that keeps the larger count: idempotent.
                    durably(
                            "record " + failures.size() + " failed-attempt counts",
                            () -> store.recordFailures(failures));
                } catch (StoreException e) {
                    log.error("Could not record {} failed-attempt counts", failures.size(), e);
                }
            }
            if (batches.isEmpty()) {
                if (!events.isEmpty()) {
                    try {
                        durably("record " + events.size() + " job events", () -> store.commit(List.of(), events));
                    } catch (StoreException e) {
                        log.error("Could not record {} job events", events.size(), e);
                    }
                }
                return stop;
            }
            try {
                // Every write here is idempotent (inserts that ignore what is there, updates guarded
                // by the status they change), so a commit whose outcome is unknown is resolved by
                // running it again: the second run finds it done or does it.
                durably("commit " + completions.size() + " results", () -> {
                    for (Scheduler.CommitBatch batch : batches) {
                        for (Scheduler.Accepted a : batch.accepted()) {
                            if (a.prepare() != null) {
                                store.prepared(
                                        a.job().id,
                                        a.prepare().partitions(),
                                        a.prepare().inputBytes());
                            }
                        }
                    }
                    store.commit(completions, events);
                });
            } catch (StoreException | IllegalStateException e) {
                scheduler.commitFailed(batches, e);
                return stop;
            }
            scheduler.committed(batches);
            return stop;
        } catch (Stopping e) {
            log.warn(
                    "Result writer stopped while the store was unavailable; {} result batches were not made"
                            + " durable and will run again",
                    batches.size());
            return true;
        }
    }

    /** Thrown out of a retry when the writer is told to stop. */
    private static final class Stopping extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopping() {
            super("stopping", null, false, false);
        }
    }

    /**
     * Runs a store write until it succeeds. A store failure (transient, or a commit whose outcome is
     * unknown) is the coordinator's, not the task's: it is retried with exponential backoff and
     * jitter, the store is reported degraded meanwhile (so nothing new is leased), and the write is
     * run again until it lands. A permanent failure is thrown.
     *
     * @throws StoreException a permanent failure
     * @throws Stopping if the writer is closed while retrying
     */
    private void durably(String what, Runnable write) {
        long delay = INITIAL_RETRY.toNanos();
        while (true) {
            try {
                write.run();
                health.recovered(StoreHealth.Path.WRITES);
                return;
            } catch (StoreException e) {
                if (!e.isStoreFailure()) {
                    throw e;
                }
                health.failed(StoreHealth.Path.WRITES, e);
                log.debug("Could not {}; retrying in {} ms", what, delay / 1_000_000, e);
            }
            long jittered = (long) (delay * (0.8 + 0.4 * random.nextDouble()));
            try {
                if (stopping.await(jittered, TimeUnit.NANOSECONDS)) {
                    throw new Stopping();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopping();
            }
            delay = Math.min(MAX_RETRY.toNanos(), delay * 2);
        }
    }

    private void flush(CallCache cache) {
        CallCache.Changes changes = cache.drainChanges();
        if (changes.isEmpty()) {
            return;
        }
        try {
            // Upserts, deletes and touches: running it again after an unknown outcome is harmless.
            durably(
                    "store " + changes.puts().size() + " cached call results",
                    () -> store.updateCache(changes.puts(), changes.deletes(), changes.touches()));
        } catch (StoreException e) {
            // The cache in memory is right; a restarted coordinator recomputes what was not stored.
            log.warn(
                    "Could not store {} cached call results: {}", changes.puts().size(), e.getMessage());
        }
    }

    /** Commits what is queued, then stops; waits at most {@code timeout}. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** Writes what is queued and stops, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        if (state.compareAndSet(State.RUNNING, State.STOPPED)) {
            queue.add(new Stop());
            stopping.countDown();
            try {
                if (!thread.join(timeout)) {
                    log.warn("Result writer did not stop within {}; {} items left", timeout, queue.size());
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            state.set(State.STOPPED);
        }
    }
}
