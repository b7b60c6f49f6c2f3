package io.partita.membership;

import io.partita.membership.MemberCore.Lease;
import io.partita.membership.MemberCore.Snapshot;
import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.Reply;
import io.partita.membership.Protocol.TickRequest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDBC implementation of {@link Membership}.
 *
 * <p>Threads (all virtual, named {@code partita-membership-*}): one heartbeat thread runs ticks
 * through {@link JdbcStore} and feeds replies to the {@link MemberCore}; one watchdog thread
 * publishes a FENCED view when a lease lapses even if the heartbeat thread is stuck in the
 * database; one notifier thread calls listeners in order; one thread per {@link #runEvery}. {@link
 * #lock} guards the core and is never held across database calls or callbacks; {@link #changed} is
 * signalled whenever the core changes, and wakes waiters.
 *
 * <p>Lifecycle NEW → RUNNING → CLOSING → CLOSED, advanced by compareAndSet; {@link #abort()} goes
 * straight to CLOSED.
 */
final class JdbcMembership implements Membership {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private enum Lifecycle {
        NEW,
        RUNNING,
        CLOSING,
        CLOSED
    }

    private final UUID group;
    private final MembershipOptions options;
    private final MembershipClock clock;
    private final JdbcStore store;
    private final MemberCore core;
    private final long heartbeatNanos;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final ExecutorService notifier;
    private final String threadPrefix;
    private final java.util.Map<Integer, Integer> busy = new java.util.HashMap<>(); // guarded by lock
    private View published; // guarded by lock
    private boolean wake; // guarded by lock
    private Thread heartbeat;
    private Thread watchdog;

    JdbcMembership(DataSource dataSource, UUID group, MembershipOptions options, MembershipClock clock) {
        this.group = group;
        this.options = options;
        this.clock = clock;
        this.store = new JdbcStore(dataSource, group, options.leaseTimeout().toMillis(), options.keepConnection());
        this.core = new MemberCore(
                MemberCore.newMemberId(),
                options.label(),
                options.leaseTimeout().toNanos(),
                options.safetyMargin().toNanos());
        this.heartbeatNanos = options.heartbeatInterval().toNanos();
        this.threadPrefix = "partita-membership-"
                + group.toString().substring(0, 8)
                + "-"
                + core.memberId().substring(0, 8)
                + "-";
        this.notifier = Executors.newSingleThreadExecutor(factory("notify"));
    }

    private java.util.concurrent.ThreadFactory factory(String role) {
        return Thread.ofVirtual()
                .name(threadPrefix + role)
                .uncaughtExceptionHandler((t, e) -> log.error("uncaught exception in {}", t.getName(), e))
                .factory();
    }

    void start() {
        try {
            store.migrate();
        } catch (SQLException e) {
            store.close();
            notifier.shutdown();
            throw new MembershipException("cannot create the membership schema for group " + group, e);
        } catch (RuntimeException e) {
            store.close();
            notifier.shutdown();
            throw e;
        }
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            throw new IllegalStateException("already started");
        }
        lock.lock();
        try {
            core.checkClocks(store.clockPerProcess());
            published = currentView();
        } finally {
            lock.unlock();
        }
        heartbeat = factory("heartbeat").newThread(this::heartbeatLoop);
        watchdog = factory("watchdog").newThread(this::watchdogLoop);
        heartbeat.start();
        watchdog.start();
    }

    // ---------------------------------------------------------------- heartbeat

    private void heartbeatLoop() {
        int failures = 0;
        try {
            while (lifecycle.get() == Lifecycle.RUNNING) {
                TickRequest request;
                lock.lock();
                try {
                    if (lifecycle.get() != Lifecycle.RUNNING) {
                        break;
                    }
                    request = core.prepare(clock.nanoTime(), Intent.RENEW, busyRank());
                } finally {
                    lock.unlock();
                }
                long waitNanos;
                try {
                    Reply reply = store.tick(request);
                    lock.lock();
                    try {
                        boolean wasSkewed = core.clockSkewed();
                        core.onReply(reply, clock.nanoTime());
                        if (core.clockSkewed() && !wasSkewed) {
                            log.error(
                                    "group {}: member {} refuses to act: its clock is {} ms {} the times the other"
                                            + " members wrote (safety margin {}); with SQLite each process supplies"
                                            + " the database's clock, so the processes' clocks must agree",
                                    group,
                                    core.memberId(),
                                    Math.abs(core.clockSkewMs()),
                                    core.clockSkewMs() < 0 ? "ahead of" : "behind",
                                    options.safetyMargin());
                        } else if (wasSkewed && !core.clockSkewed()) {
                            log.info("group {}: member {} finds its clock agrees again", group, core.memberId());
                        }
                        waitNanos =
                                core.retickImmediately() ? 0 : core.retickSoon() ? heartbeatNanos / 4 : heartbeatNanos;
                        publishLocked();
                    } finally {
                        lock.unlock();
                    }
                    if (failures > 0) {
                        log.info("group {}: member {} reached the database again", group, core.memberId());
                    }
                    failures = 0;
                } catch (SQLException | RuntimeException e) {
                    lock.lock();
                    try {
                        core.onFailure();
                        publishLocked();
                    } finally {
                        lock.unlock();
                    }
                    failures++;
                    if (failures == 1) {
                        log.warn(
                                "group {}: member {} cannot renew its lease: {}", group, core.memberId(), e.toString());
                    } else {
                        log.debug("group {}: renewal failed again ({})", group, failures, e);
                    }
                    waitNanos = backoffNanos(failures);
                }
                awaitWake(waitNanos);
            }
        } finally {
            if (lifecycle.get() == Lifecycle.CLOSED) {
                store.close();
            }
        }
    }

    /** A rank on which periodic work is still running, or NONE; caller holds the lock. */
    private int busyRank() {
        return busy.isEmpty() ? Protocol.NONE : busy.keySet().iterator().next();
    }

    /** Exponential backoff with jitter, from heartbeat/8 up to one heartbeat. */
    private long backoffNanos(int failures) {
        long base = Math.max(1, heartbeatNanos / 8) << Math.min(failures - 1, 3);
        long capped = Math.min(base, heartbeatNanos);
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private void awaitWake(long nanos) {
        lock.lock();
        try {
            long remaining = nanos;
            while (!wake && remaining > 0 && lifecycle.get() == Lifecycle.RUNNING) {
                remaining = changed.awaitNanos(remaining);
            }
            wake = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (lifecycle.get() == Lifecycle.RUNNING) {
                log.warn("group {}: heartbeat interrupted while running; stopping", group);
                abort();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- watchdog

    private void watchdogLoop() {
        while (lifecycle.get() != Lifecycle.CLOSED) {
            lock.lock();
            try {
                long now = clock.nanoTime();
                long wait = heartbeatNanos;
                Optional<Lease> raw = core.rawLease();
                if (raw.isPresent() && raw.get().deadlineNanos() - now > 0) {
                    wait = Math.min(wait, raw.get().deadlineNanos() - now);
                }
                changed.awaitNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
                publishLocked();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- views

    private View currentView() {
        Snapshot s = core.snapshot(clock.nanoTime());
        return new View(group, core.memberId(), s.state(), s.rank(), s.size(), s.epoch(), s.stable(), s.members());
    }

    /** Publishes the current view if it changed; caller holds the lock. */
    private void publishLocked() {
        View v = currentView();
        if (!v.equals(published)) {
            published = v;
            changed.signalAll();
            for (Listener l : listeners) {
                l.deliver(v);
            }
        } else {
            changed.signalAll();
        }
    }

    @Override
    public UUID group() {
        return group;
    }

    @Override
    public String memberId() {
        return core.memberId();
    }

    @Override
    public View view() {
        lock.lock();
        try {
            return currentView();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean holds(long epoch) {
        lock.lock();
        try {
            return core.lease(clock.nanoTime()).map(l -> l.epoch() == epoch).orElse(false);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Subscription onChange(Consumer<? super View> listener) {
        Objects.requireNonNull(listener, "listener");
        Listener l = new Listener(listener);
        lock.lock();
        try {
            listeners.add(l);
            l.deliver(currentView());
        } finally {
            lock.unlock();
        }
        return l;
    }

    private final class Listener implements Subscription {
        private final Consumer<? super View> consumer;
        private volatile boolean cancelled;

        Listener(Consumer<? super View> consumer) {
            this.consumer = consumer;
        }

        void deliver(View v) {
            if (cancelled) {
                return;
            }
            try {
                notifier.execute(() -> {
                    if (cancelled) {
                        return;
                    }
                    try {
                        consumer.accept(v);
                    } catch (RuntimeException e) {
                        log.warn("group {}: view listener failed", group, e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed: no more notifications
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            listeners.remove(this);
        }
    }

    @Override
    public View awaitStable(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = clock.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                View v = currentView();
                if (v.active() && v.stable()) {
                    return v;
                }
                if (lifecycle.get() == Lifecycle.CLOSED || lifecycle.get() == Lifecycle.CLOSING) {
                    throw new MembershipException("member is closed; last view: " + v);
                }
                long remaining = deadline - clock.nanoTime();
                if (remaining <= 0) {
                    throw new MembershipTimeoutException("no stable view within " + timeout, v);
                }
                changed.awaitNanos(Math.min(remaining, heartbeatNanos));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MembershipException("interrupted while awaiting a stable view", e);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- periodic work

    @Override
    public Subscription runEvery(Duration interval, PeriodicWork work) {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(work, "work");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        if (lifecycle.get() != Lifecycle.RUNNING) {
            throw new IllegalStateException("member is " + lifecycle.get());
        }
        Worker w = new Worker(interval.toMillis() == 0 ? 1 : interval.toMillis(), work);
        workers.add(w);
        w.thread = factory("work").newThread(w::loop);
        w.thread.start();
        return w;
    }

    private final class Worker implements Subscription {
        private final long intervalMs;
        private final PeriodicWork work;
        private volatile boolean cancelled;
        private volatile Thread thread;
        private long lastSlotMs = Long.MIN_VALUE;
        private long lastEpoch = -1;
        private boolean fencedTold = true;
        private long lapsesAtRun;

        Worker(long intervalMs, PeriodicWork work) {
            this.intervalMs = intervalMs;
            this.work = work;
        }

        private boolean running() {
            return !cancelled && lifecycle.get() == Lifecycle.RUNNING;
        }

        void loop() {
            while (running()) {
                Lease planned;
                long slot;
                lock.lock();
                try {
                    Optional<Lease> l = core.lease(clock.nanoTime());
                    // Fenced since the work last ran: now, or in between if the member already
                    // rejoined before this thread looked (after a long pause, say).
                    boolean fencedSince = !fencedTold
                            && (core.lapses() != lapsesAtRun
                                    || (l.isEmpty()
                                            && core.snapshot(clock.nanoTime()).state() == MemberState.FENCED));
                    if (fencedSince || l.isEmpty()) {
                        if (fencedSince) {
                            fencedTold = true;
                            long epoch = lastEpoch;
                            lock.unlock();
                            try {
                                work.fenced(epoch);
                            } catch (RuntimeException e) {
                                log.warn("group {}: fenced() callback failed", group, e);
                            } finally {
                                lock.lock();
                            }
                            continue;
                        }
                        changed.awaitNanos(heartbeatNanos);
                        continue;
                    }
                    planned = l.get();
                    slot = nextSlot(planned.rank(), planned.size());
                    long waitMs = slot - clock.currentTimeMillis();
                    if (waitMs > 0) {
                        changed.awaitNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
                        continue; // re-plan: the view may have changed while waiting
                    }
                    // Re-validate at the moment of acting: a member that woke up late finds no lease.
                    Optional<Lease> now = core.lease(clock.nanoTime());
                    if (now.isEmpty()
                            || now.get().rank() != planned.rank()
                            || now.get().size() != planned.size()) {
                        continue;
                    }
                    planned = now.get();
                    busy.merge(planned.rank(), 1, Integer::sum);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    if (lock.isHeldByCurrentThread()) {
                        lock.unlock();
                    }
                }
                lastSlotMs = slot;
                lastEpoch = planned.epoch();
                fencedTold = false;
                lapsesAtRun = core.lapses();
                try {
                    work.run(planned.rank(), planned.size(), planned.epoch());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    log.warn("group {}: periodic work failed at rank {}", group, planned.rank(), e);
                } finally {
                    lock.lock();
                    try {
                        busy.computeIfPresent(planned.rank(), (k, v) -> v == 1 ? null : v - 1);
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }

        /** The first slot after the last one and not before now - 0: interval*k + interval*r/n. */
        private long nextSlot(int rank, int size) {
            long offset = intervalMs * rank / size;
            long now = clock.currentTimeMillis();
            long k = Math.floorDiv(now - offset, intervalMs);
            long slot = k * intervalMs + offset;
            if (slot <= lastSlotMs || slot < now - intervalMs / 2) {
                slot += intervalMs;
            }
            while (slot <= lastSlotMs) {
                slot += intervalMs;
            }
            return slot;
        }

        @Override
        public void cancel() {
            cancelled = true;
            workers.remove(this);
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- shutdown

    @Override
    public void close() {
        if (!lifecycle.compareAndSet(Lifecycle.RUNNING, Lifecycle.CLOSING)) {
            lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.CLOSED);
            return;
        }
        long graceMs = options.leaseTimeout().toMillis();
        for (Worker w : List.copyOf(workers)) {
            w.cancel();
        }
        lock.lock();
        try {
            wake = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Worker w : List.copyOf(workers)) {
            joinOrInterrupt(w.thread, graceMs);
        }
        joinOrInterrupt(heartbeat, graceMs);
        boolean canLeave;
        TickRequest leave = null;
        lock.lock();
        try {
            core.stopActing();
            canLeave = !core.inFlight() && busy.isEmpty();
            if (canLeave) {
                leave = core.prepare(clock.nanoTime(), Intent.LEAVE);
            }
            publishLocked();
        } finally {
            lock.unlock();
        }
        if (canLeave) {
            try {
                Reply r = store.tick(leave);
                lock.lock();
                try {
                    core.onReply(r, clock.nanoTime());
                } finally {
                    lock.unlock();
                }
            } catch (SQLException | RuntimeException e) {
                log.warn(
                        "group {}: member {} could not leave cleanly; its row expires after {}: {}",
                        group,
                        core.memberId(),
                        options.leaseTimeout(),
                        e.toString());
                lock.lock();
                try {
                    core.onFailure();
                } finally {
                    lock.unlock();
                }
            }
        }
        finish();
    }

    @Override
    public void abort() {
        Lifecycle previous = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (previous == Lifecycle.CLOSED) {
            return;
        }
        lock.lock();
        try {
            core.close();
            publishLocked();
        } finally {
            lock.unlock();
        }
        for (Worker w : List.copyOf(workers)) {
            w.cancel();
            if (w.thread != null) {
                w.thread.interrupt();
            }
        }
        if (heartbeat != null) {
            heartbeat.interrupt();
            if (!heartbeat.isAlive()) {
                store.close();
            }
        } else {
            store.close();
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
        notifier.shutdown();
    }

    private void finish() {
        lifecycle.set(Lifecycle.CLOSED);
        lock.lock();
        try {
            core.close();
            publishLocked();
        } finally {
            lock.unlock();
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
        store.close();
        notifier.shutdown();
        try {
            notifier.awaitTermination(options.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinOrInterrupt(Thread t, long millis) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            if (!t.join(Duration.ofMillis(millis))) {
                t.interrupt();
                t.join(Duration.ofMillis(millis));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Membership[" + view() + "]";
    }
}
