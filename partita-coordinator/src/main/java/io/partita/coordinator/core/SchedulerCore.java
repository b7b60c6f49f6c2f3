package io.partita.coordinator.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The scheduling core: the one place where a task's life is decided. It has no I/O, no threads and
 * no lock of its own: the shell (the coordinator's {@code Scheduler}) holds one lock around every
 * call, feeds it events (a worker connected, granted credits, answered, failed, returned a task, was
 * lost; a commit became durable or failed; time passed) and carries out what it decides through
 * {@link Effects}.
 *
 * <p>Decisions kept here, and checked after every step by the seeded simulation in the tests:
 *
 * <ul>
 *   <li>A task moves only as {@link TaskState} draws it; every attempt is one {@link Lease}, for
 *       every kind of work, stamped with this core's epoch.
 *   <li>An answer counts only from the holder of that exact attempt (expired attempts included), and
 *       only while the task is open; the task's {@link CompletionPolicy} says when it is done. A task
 *       is COMMITTING from the accepted answer until the shell reports it durable, so its result is
 *       recorded once. A commit under another epoch is refused (fencing).
 *   <li>A lost holder loses its current leases at once: their tasks are pending again.
 *   <li>Credits are kept by the ledger ({@link Holder}) and change only here.
 * </ul>
 *
 * Dispatch serves log tasks first, then grid calls (per function, calls made by running tasks first,
 * newest first, so that nested calls finish before new ones start), then jobs. Jobs of one tenant go
 * by priority and age; when the live jobs belong to several tenants, each task goes to the tenant
 * with the fewest tasks in flight for its weight (weighted fair share, as Slurm's fair share or
 * Temporal's fairness keys), so a tenant with a hundred times more partitions does not hold back
 * another's job. A tenant may also be held to a number of tasks in flight.
 */
public final class SchedulerCore {
    private final Clock clock;
    private final long epoch;
    private final int maxBatch;
    private final Effects effects;
    private final RandomGenerator random;

    private final Map<String, Holder> holders = new LinkedHashMap<>();
    private final ArrayDeque<Work> logQueue = new ArrayDeque<>();
    private final LinkedHashMap<String, CallQueue> callQueues = new LinkedHashMap<>();
    private final List<Work> jobs = new ArrayList<>();
    private static final Comparator<Work> JOB_ORDER = Comparator.comparingInt((Work w) -> -w.priority)
            .thenComparingLong(w -> w.createdAt)
            .thenComparing(w -> w.id);

    /** Live jobs per tenant; fair share is needed only with more than one. */
    private final Map<String, Integer> liveTenants = new LinkedHashMap<>();
    /** Tasks leased per tenant of live jobs, the tie-break between tenants with as many in flight. */
    private final Map<String, Long> served = new java.util.HashMap<>();

    private final Map<String, Double> weights = new java.util.HashMap<>();
    private int tenantInFlight;

    private boolean paused;
    private Lease acceptedLease;
    private Object acceptedPayload;

    /**
     * Creates a core.
     *
     * @param clock the clocks deadlines and rates are read from
     * @param epoch the owner's epoch, stamped on every lease; commits under another are refused
     * @param maxBatch the most tasks sent to a holder in one batch
     * @param effects the shell that carries out the core's decisions
     * @param random where adaptive replication draws which tasks to check
     */
    public SchedulerCore(Clock clock, long epoch, int maxBatch, Effects effects, RandomGenerator random) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        this.clock = clock;
        this.epoch = epoch;
        this.maxBatch = maxBatch;
        this.effects = effects;
        this.random = random;
    }

    /** A core whose adaptive replication draws from a generator seeded with the epoch. */
    public SchedulerCore(Clock clock, long epoch, int maxBatch, Effects effects) {
        this(clock, epoch, maxBatch, effects, new SplittableRandom(epoch));
    }

    /**
     * Gives a tenant a weight in fair share (default 1): a tenant of weight 2 gets twice the tasks in
     * flight of a tenant of weight 1 while both have pending work.
     */
    public void weigh(String tenant, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of tenant " + tenant + " must be positive, was " + weight);
        }
        weights.put(tenant, weight);
    }

    /** Holds every tenant to at most {@code max} job tasks in flight (0: no bound). */
    public void limitTenantInFlight(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must be at least 0, was " + max);
        }
        tenantInFlight = max;
    }

    /** The epoch this core stamps on leases. */
    public long epoch() {
        return epoch;
    }

    /** The connected holders, in the order they connected. */
    public Collection<Holder> holders() {
        return holders.values();
    }

    /** The live jobs, in dispatch order. */
    public List<Work> jobs() {
        return jobs;
    }

    // ---------------------------------------------------------------------------------- works

    /** Adds a live work to the dispatch queues (it is leased from the next dispatch on). */
    public void add(Work work) {
        if (work.added) {
            throw new IllegalStateException(work + " was added already");
        }
        work.added = true;
        if (!work.live()) {
            return;
        }
        switch (work.kind) {
            case JOB -> {
                if (work instanceof TreeWork tree && tree.allDone()) {
                    endWork(work, Work.Status.DONE, Optional.empty());
                    return;
                }
                int at = 0;
                while (at < jobs.size() && JOB_ORDER.compare(jobs.get(at), work) <= 0) {
                    at++;
                }
                jobs.add(at, work);
                liveTenants.merge(work.tenant, 1, Integer::sum);
            }
            case CALL, LOG -> queue(work, work.sub);
        }
    }

    private void queue(Work work, boolean front) {
        if (work.queued) {
            return;
        }
        work.queued = true;
        if (work.kind == Work.Kind.LOG) {
            if (front) {
                logQueue.addFirst(work);
            } else {
                logQueue.addLast(work);
            }
        } else if (work.kind == Work.Kind.CALL) {
            CallQueue q = callQueues.computeIfAbsent(work.group, g -> new CallQueue());
            if (front) {
                q.subs.addFirst(work);
            } else {
                q.roots.addLast(work);
            }
        }
    }

    /** Ends a live work as CANCELLED (or FAILED by the shell's judgement); false if it ended before. */
    public boolean end(Work work, Work.Status status, String error) {
        if (!work.live()) {
            return false;
        }
        if (status == Work.Status.LIVE || status == Work.Status.DONE) {
            throw new IllegalArgumentException("the shell may only fail or cancel a work, not " + status);
        }
        endWork(work, status, Optional.of(error));
        dispatchAll();
        return true;
    }

    private void endWork(Work work, Work.Status status, Optional<String> error) {
        work.status = status;
        work.error = error;
        if (work.kind == Work.Kind.JOB && jobs.remove(work)) {
            if (liveTenants.merge(work.tenant, -1, Integer::sum) <= 0) {
                liveTenants.remove(work.tenant);
                served.remove(work.tenant);
            }
        }
        if (work.leases > 0) {
            for (Holder h : holders.values()) {
                for (Iterator<Lease> it = h.leases.values().iterator(); it.hasNext(); ) {
                    Lease lease = it.next();
                    if (lease.work == work) {
                        it.remove();
                        detach(h, lease, true);
                    }
                }
            }
        }
        work.running = 0;
        work.committing = 0;
        work.release();
        effects.ended(work);
    }

    // ---------------------------------------------------------------------------------- holders

    /**
     * Registers a connected worker.
     *
     * @param id its connection id
     * @param host who it is for quorum purposes
     * @param trust how far its answers are believed
     * @param reputation its host's record (one object per host, shared by its connections)
     * @param slots how many tasks it runs at once
     * @param canRun which works it may run (capabilities, the jobs it asked for)
     */
    public Holder connect(
            String id, String host, Trust trust, Reputation reputation, int slots, Predicate<Work> canRun) {
        Holder h = new Holder(id, host, trust, reputation, slots, canRun);
        if (holders.putIfAbsent(id, h) != null) {
            throw new IllegalStateException("holder " + id + " is connected already");
        }
        return h;
    }

    /** Registers an untrusted worker that is its own host, with a fresh record. */
    public Holder connect(String id, String host, int slots, Predicate<Work> canRun) {
        return connect(id, host, Trust.UNTRUSTED, new Reputation(host), slots, canRun);
    }

    /** A holder granted more credits: they are added (up to {@value Holder#MAX_CREDITS}) and work is sent. */
    public void pull(Holder h, int credits) {
        if (h.closed || h.draining || credits <= 0) {
            return;
        }
        long room = Holder.MAX_CREDITS - ((long) h.credits + h.active + h.committing - h.debt);
        int add = (int) Math.max(0, Math.min(credits, room));
        h.credits += add;
        h.granted += add;
        dispatch(h);
    }

    /** The holder takes no more work; what it holds it finishes. */
    public void drain(Holder h) {
        if (h.closed || h.draining) {
            return;
        }
        h.draining = true;
        h.granted -= h.credits;
        h.credits = 0;
    }

    /**
     * The holder is gone (closed, silent, or broke the protocol): its current leases go back to the
     * queue at once. Returns how many.
     */
    public int lose(Holder h) {
        if (h.closed) {
            return 0;
        }
        h.closed = true;
        holders.remove(h.id);
        List<Lease> held = new ArrayList<>(h.leases.values());
        h.leases.clear();
        int requeued = 0;
        for (Lease lease : held) {
            lease.work.leases--;
            if (!lease.work.live() || !lease.work.isCurrent(lease)) {
                continue;
            }
            requeued++;
            if (lease.work.lossCounts) {
                failAttempt(lease, lease.work.lost(lease.key, lease.attempt), true);
            } else {
                release(lease, true);
            }
        }
        h.active = 0;
        h.suspended = 0;
        h.credits = 0;
        h.debt = 0;
        h.granted = 0;
        dispatchAll();
        return requeued;
    }

    /** The holder gives back attempts it did not start: they are pending again, first in line. */
    public void returned(Holder h, List<Lease.Id> ids) {
        for (Lease.Id id : ids) {
            Lease lease = h.leases.remove(id);
            if (lease == null) {
                continue;
            }
            detach(h, lease, true);
            if (lease.work.live() && lease.work.isCurrent(lease)) {
                release(lease, true);
            }
        }
        dispatchAll();
    }

    /**
     * Attempts of a holder that wait for grid calls ({@code suspend}) or no longer do. A suspended
     * attempt holds no slot, its credit comes back, and its time limit becomes {@value
     * #SUSPEND_ROUNDS} times longer (a worker cannot hold a task forever by saying it waits);
     * resuming takes the credit again (into debt if none is left) and restarts the time limit. A
     * holder may have at most {@value #SUSPENDED_PER_SLOT} suspended attempts per slot, at least
     * {@value #MIN_SUSPENDED}; a suspension past that is ignored (the attempt keeps its slot).
     */
    public void suspend(Holder h, List<Lease.Id> ids, boolean suspend) {
        long now = clock.nanos();
        boolean changed = false;
        for (Lease.Id id : ids) {
            Lease lease = h.leases.get(id);
            if (lease == null || lease.expired || lease.suspended == suspend) {
                continue;
            }
            if (suspend && h.suspended >= maxSuspended(h)) {
                continue; // refused: the attempt keeps its slot and its time limit
            }
            changed = true;
            lease.suspended = suspend;
            if (suspend) {
                // waiting is bounded too, or a worker could hold tasks forever by suspending them
                lease.deadlineNanos = now + lease.work.timeoutNanos * SUSPEND_ROUNDS;
                h.active--;
                h.suspended++;
                h.giveBack();
            } else {
                lease.deadlineNanos = now + lease.work.timeoutNanos;
                h.suspended--;
                h.active++;
                h.take();
            }
        }
        if (changed && suspend) {
            dispatch(h);
        }
    }

    /** How many time limits an attempt may wait for its grid calls before it times out. */
    public static final int SUSPEND_ROUNDS = 10;

    /** Suspended attempts a holder may have per slot (at least {@value #MIN_SUSPENDED}). */
    public static final int SUSPENDED_PER_SLOT = 16;

    /**
     * Suspended attempts any holder may have, however few its slots: enough for a chain of calls as
     * deep as the default {@code call-depth} quota on one worker.
     */
    public static final int MIN_SUSPENDED = 1024;

    private static int maxSuspended(Holder h) {
        return Math.max(MIN_SUSPENDED, SUSPENDED_PER_SLOT * h.slots);
    }

    /** The lease of that attempt if the holder holds it. */
    public Optional<Lease> lease(Holder h, Lease.Id id) {
        return Optional.ofNullable(h.leases.get(id));
    }

    /** Removes a lease's hold on its holder's ledger: its credit comes back unless it commits. */
    private void detach(Holder h, Lease lease, boolean giveBack) {
        lease.work.leases -= lease.work.leases > 0 ? 1 : 0;
        if (lease.suspended) {
            lease.suspended = false;
            h.suspended--; // its credit came back when it was suspended
            if (!giveBack) {
                h.take();
                h.active++;
            } else {
                return;
            }
        }
        h.active--;
        if (giveBack) {
            h.giveBack();
        }
    }

    // ---------------------------------------------------------------------------------- answers

    /**
     * A holder answered an attempt.
     *
     * @param digest a digest of the answer's canonical bytes (compared under a quorum policy)
     * @param payload what the shell needs to make the answer durable; handed back by {@link
     *     #acceptedPayload()}
     * @return ACCEPTED (the shell commits {@link #acceptedPayload()} for {@link #acceptedLease()}),
     *     RECORDED, IGNORED or NOT_HELD
     */
    public Verdict answer(Holder h, Lease.Id id, long digest, Object payload) {
        Lease lease = h.leases.remove(id);
        if (lease == null) {
            return id.work().live() ? Verdict.NOT_HELD : Verdict.IGNORED;
        }
        Work work = lease.work;
        if (!work.live()) {
            detach(h, lease, true);
            return Verdict.IGNORED;
        }
        byte state = work.state(lease.key);
        if (state != TaskState.PENDING && state != TaskState.LEASED) {
            detach(h, lease, true);
            return Verdict.IGNORED;
        }
        if (work.replicated()) {
            return replicaAnswer(h, lease, digest, payload);
        }
        detach(h, lease, false);
        h.committing++;
        if (state == TaskState.LEASED) {
            work.running--; // the current attempt (this one or another) stops counting as running
        }
        work.tookNanos(clock.nanos() - lease.leasedAtNanos);
        stopSiblings(work, lease);
        work.setState(lease.key, TaskState.COMMITTING);
        work.committing++;
        acceptedLease = lease;
        acceptedPayload = payload;
        return Verdict.ACCEPTED;
    }

    private Verdict replicaAnswer(Holder h, Lease lease, long digest, Object payload) {
        Work work = lease.work;
        Work.Replicas r = work.replicas(lease.key);
        boolean inFlight = r.inFlight.remove(lease);
        if (inFlight) {
            work.running--;
        }
        for (Answer a : r.answers) {
            if (a.host().equals(h.host)) {
                detach(h, lease, true);
                if (inFlight && !r.full()) {
                    pendingAgain(work, lease.key, true);
                }
                return Verdict.IGNORED; // one host answers once
            }
        }
        detach(h, lease, true); // a replica's credit comes back with its answer; the core keeps it
        lease.replica = true;
        work.tookNanos(clock.nanos() - lease.leasedAtNanos);
        r.answers.add(new Answer(lease, h.host, digest, payload, h.trust.vouches() || lease.vouched));
        Answer chosen = work.policy.decide(r.answers);
        if (chosen != null) {
            work.running -= r.inFlight.size();
            for (Lease other : r.inFlight) {
                other.expired = true; // superseded: its answer is ignored when it comes
            }
            if (!r.inFlight.isEmpty()) {
                revokeAll(r.inFlight, "superseded by an accepted answer");
            }
            r.inFlight.clear();
            if (work.speculated != null) {
                work.speculated.remove(lease.key);
            }
            judge(work.policy, r.answers, chosen);
            effects.decided(work, lease.key, r.answers, chosen);
            work.setState(lease.key, TaskState.COMMITTING);
            work.committing++;
            acceptedLease = chosen.lease();
            acceptedPayload = chosen.payload();
            return Verdict.ACCEPTED;
        }
        if (r.answers.size() >= work.policy.maxReplicas()) {
            work.running -= r.inFlight.size();
            r.inFlight.clear();
            effects.decided(work, lease.key, r.answers, null);
            work.setState(lease.key, TaskState.FAILED);
            endWork(
                    work,
                    Work.Status.FAILED,
                    Optional.of(work.describe(lease.key) + ": no " + work.policy + " among " + r.answers.size()
                            + " answers"));
            dispatchAll();
            return Verdict.RECORDED;
        }
        int best = 0;
        for (Answer a : r.answers) {
            int same = 0;
            for (Answer b : r.answers) {
                if (work.policy.agree(b, a)) {
                    same++;
                }
            }
            best = Math.max(best, same);
        }
        r.target = Math.min(
                work.policy.maxReplicas(), Math.max(r.target, r.answers.size() + work.policy.replicas() - best));
        if (r.full()) {
            work.setState(lease.key, TaskState.LEASED);
        } else {
            pendingAgain(work, lease.key, true);
            dispatchAll();
        }
        return Verdict.RECORDED;
    }

    /**
     * Updates the hosts' records once a task is decided: an untrusted answer that matches the chosen
     * one is valid if something other than its own host's record vouched for the decision, and an
     * answer that differs is invalid and ends its host's run. A lone answer accepted on its host's
     * record proves nothing, only counts as unchecked, and judges no one.
     */
    private static void judge(CompletionPolicy policy, List<Answer> answers, Answer chosen) {
        if (!chosen.lease().holder.trust.vouches() && chosen.vouched()) {
            chosen.lease().holder.reputation.unchecked++; // the others are not judged by an unchecked answer
            return;
        }
        for (Answer a : answers) {
            Holder h = a.lease().holder;
            if (h.trust.vouches()) {
                continue;
            }
            if (policy.agree(a, chosen)) {
                h.reputation.recordValid();
            } else {
                h.reputation.recordInvalid();
            }
        }
    }

    /**
     * A task with a speculative copy was answered: the other attempt is told to stop (its answer, if
     * it still comes, is ignored, and its credit comes back then).
     */
    private void stopSiblings(Work work, Lease answered) {
        if (work.speculated == null) {
            return;
        }
        List<Lease> attempts = work.speculated.remove(answered.key);
        if (attempts == null) {
            return;
        }
        List<Lease> others = new ArrayList<>();
        for (Lease other : attempts) {
            if (other != answered && !other.expired && other.holder.leases.get(other.id()) == other) {
                other.expired = true;
                others.add(other);
            }
        }
        revokeAll(others, "superseded by a faster copy");
    }

    private void revokeAll(List<Lease> leases, String reason) {
        Map<Holder, List<Lease>> byHolder = new LinkedHashMap<>();
        for (Lease l : leases) {
            l.expired = true;
            if (!l.holder.closed) {
                byHolder.computeIfAbsent(l.holder, k -> new ArrayList<>()).add(l);
            }
        }
        byHolder.forEach((holder, list) -> effects.revoked(holder, list, reason));
    }

    /** The lease whose answer the last ACCEPTED verdict accepted. */
    public Lease acceptedLease() {
        return acceptedLease;
    }

    /** The payload of the answer the last ACCEPTED verdict accepted. */
    public Object acceptedPayload() {
        return acceptedPayload;
    }

    /**
     * A holder reports a failed attempt.
     *
     * @param retryable false when running it again would fail the same way (the work fails at once)
     * @return FAILED if it counted, IGNORED if the attempt no longer counts, NOT_HELD
     */
    public Verdict failure(Holder h, Lease.Id id, String error, boolean retryable) {
        Lease lease = h.leases.remove(id);
        if (lease == null) {
            return id.work().live() ? Verdict.NOT_HELD : Verdict.IGNORED;
        }
        detach(h, lease, true);
        h.tasksFailed++;
        if (!lease.work.live() || lease.expired || !lease.work.isCurrent(lease)) {
            return Verdict.IGNORED;
        }
        failAttempt(lease, error, retryable);
        return Verdict.FAILED;
    }

    /**
     * The shell could not start an attempt it holds (its inputs could not be read): the lease ends
     * and, if {@code counts}, the attempt counts as failed; otherwise the task is simply pending again.
     */
    public void abandon(Lease lease, String error, boolean counts) {
        Holder h = lease.holder;
        if (h.leases.remove(lease.id()) != null) {
            detach(h, lease, true);
        }
        if (lease.work.live() && !lease.expired && lease.work.isCurrent(lease)) {
            if (counts) {
                failAttempt(lease, error, true);
            } else {
                release(lease, false);
            }
        }
        dispatchAll();
    }

    /** Fails a work because of what one of its tasks answered (the shell judged it unusable). */
    public void fail(Work work, long key, String error) {
        if (!work.live()) {
            return;
        }
        work.fail(key);
        endWork(work, Work.Status.FAILED, Optional.of(error));
        dispatchAll();
    }

    /** Counts a failed attempt of a current lease; requeues the task or fails its work. */
    private void failAttempt(Lease lease, String error, boolean retryable) {
        Work work = lease.work;
        stopRunning(lease);
        int failures = work.fail(lease.key);
        effects.attemptFailed(lease, error, failures);
        if (!retryable) {
            work.setState(lease.key, TaskState.FAILED);
            endWork(work, Work.Status.FAILED, Optional.of(error));
        } else if (failures >= work.maxAttempts) {
            work.setState(lease.key, TaskState.FAILED);
            endWork(work, Work.Status.FAILED, Optional.of(work.finalError(error, failures)));
        } else {
            pendingAgain(work, lease.key, false);
        }
        dispatchAll();
    }

    /** The current lease stops running; the caller decides what becomes of its task. */
    private void stopRunning(Lease lease) {
        Work work = lease.work;
        if (work.replicated()) {
            Work.Replicas r = work.replicas(lease.key);
            if (r.inFlight.remove(lease)) {
                work.running--;
            }
        } else if (work.state(lease.key) == TaskState.LEASED) {
            work.running--;
        }
    }

    /** A current lease ends without an answer: its task is pending again. */
    private void release(Lease lease, boolean front) {
        stopRunning(lease);
        pendingAgain(lease.work, lease.key, front);
    }

    /**
     * An attempt of an open task ended without an answer: the task is pending again, unless it needs
     * several answers and still has enough replicas running or answered (late answers included).
     */
    private void pendingAgain(Work work, long key, boolean front) {
        Work.Replicas r = work.replicas(key);
        if (r != null && r.full()) {
            work.setState(key, TaskState.LEASED);
            return;
        }
        work.setState(key, TaskState.PENDING);
        requeue(work, key, front);
    }

    private void requeue(Work work, long key, boolean front) {
        if (work.kind == Work.Kind.JOB) {
            work.enqueue(key, front);
        } else {
            queue(work, front || work.kind == Work.Kind.CALL);
        }
    }

    // ---------------------------------------------------------------------------------- commits

    /**
     * The shell made an accepted answer durable: its task is DONE (and the work, if that was its last
     * task). Returns false if the commit was refused: its lease is of another epoch. It does not
     * dispatch: the shell calls {@link #dispatchAll()} once per batch of commits.
     */
    public boolean committed(Lease lease) {
        if (lease.epoch != epoch) {
            return false;
        }
        Holder h = settle(lease);
        h.tasksDone++;
        Work work = lease.work;
        if (!work.live()) {
            return true;
        }
        if (work.state(lease.key) != TaskState.COMMITTING) {
            throw new IllegalStateException(
                    work.describe(lease.key) + " was committed while " + TaskState.name(work.state(lease.key)));
        }
        work.committing--;
        work.forgetReplicas(lease.key);
        if (!(work instanceof TreeWork tree && tree.preparing())) {
            h.rate.record(clock.millis(), 1);
        }
        if (work.complete(lease.key)) {
            endWork(work, Work.Status.DONE, Optional.empty());
        }
        return true;
    }

    /**
     * The shell could not make an accepted answer durable (and knows it did not land): the task is
     * pending again. Returns false if refused (another epoch). Like {@link #committed}, it does not
     * dispatch.
     */
    public boolean commitFailed(Lease lease) {
        if (lease.epoch != epoch) {
            return false;
        }
        settle(lease);
        Work work = lease.work;
        if (work.live() && work.state(lease.key) == TaskState.COMMITTING) {
            work.committing--;
            work.forgetReplicas(lease.key);
            work.setState(lease.key, TaskState.PENDING);
            requeue(work, lease.key, true);
        }
        return true;
    }

    /** The commit of an accepted answer is over, either way: its holder's credit comes back. */
    private static Holder settle(Lease lease) {
        Holder h = lease.holder;
        if (!lease.replica) {
            h.committing--;
            if (!h.closed) {
                h.giveBack();
            }
        }
        return h;
    }

    // ---------------------------------------------------------------------------------- time

    /**
     * Expires the leases past their deadline: each counts as a failed attempt of its task (if still
     * current) and stays with its holder as expired, so that a late answer is recognised. The holders
     * are told to stop them.
     */
    public void expire() {
        long now = clock.nanos();
        List<Lease> due = null;
        for (Holder h : holders.values()) {
            for (Lease lease : h.leases.values()) {
                if (!lease.expired && now - lease.deadlineNanos > 0) {
                    if (due == null) {
                        due = new ArrayList<>();
                    }
                    due.add(lease);
                }
            }
        }
        if (due == null) {
            return;
        }
        // Decide only after looking: failing a task may end its work, which takes leases away from
        // holders, so no holder's map may be iterated while it happens.
        Map<Holder, List<Lease>> revoked = new LinkedHashMap<>();
        for (Lease lease : due) {
            boolean current = lease.work.live() && lease.work.isCurrent(lease);
            lease.expired = true;
            revoked.computeIfAbsent(lease.holder, k -> new ArrayList<>()).add(lease);
            if (current) {
                failAttempt(lease, lease.work.timedOut(lease.key, lease.attempt), true);
            }
        }
        revoked.forEach((h, leases) -> {
            if (!h.closed) {
                effects.revoked(h, leases, "timed out");
            }
        });
        dispatchAll();
    }

    // ---------------------------------------------------------------------------------- dispatch

    /**
     * Stops (or resumes) leasing new attempts, e.g. while the store cannot make answers durable.
     * Answers, failures, losses and time-outs are still decided; resuming dispatches at once.
     */
    public void pause(boolean pause) {
        boolean resumed = paused && !pause;
        paused = pause;
        if (resumed) {
            dispatchAll();
        }
    }

    /** Whether dispatch is paused. */
    public boolean paused() {
        return paused;
    }

    /** Sends work to every holder with credits. */
    public void dispatchAll() {
        if (paused) {
            return;
        }
        for (Holder h : holders.values()) {
            if (h.credits > 0 && !h.draining) {
                dispatch(h);
            }
        }
    }

    /** Sends the holder what it may run, as long as it has credits and room. */
    public void dispatch(Holder h) {
        while (h.credits > 0 && !h.draining && !h.closed && !paused) {
            long now = clock.nanos();
            int allowance = h.allowance(clock.millis());
            List<Lease> batch = new ArrayList<>(Math.min(h.credits, maxBatch));
            dispatchLogs(h, now, batch);
            dispatchCalls(h, now, allowance, batch);
            dispatchJobs(h, now, allowance, batch);
            if (batch.isEmpty()) {
                speculate(h, now, batch);
            }
            if (batch.isEmpty()) {
                return;
            }
            effects.leased(h, batch);
            if (h.active >= allowance) {
                return;
            }
        }
    }

    /** Whether the holder may run tasks of the work: its policy admits the holder's trust, and it can. */
    private static boolean runs(Holder h, Work work) {
        return work.policy.admits(h.trust) && h.canRun.test(work);
    }

    private void dispatchLogs(Holder h, long now, List<Lease> batch) {
        List<Work> putBack = null;
        for (Iterator<Work> it = logQueue.iterator(); it.hasNext() && h.credits > 0 && batch.size() < maxBatch; ) {
            Work work = it.next();
            if (!work.hasWork()) {
                it.remove();
                work.queued = false;
                continue;
            }
            if (!runs(h, work)) {
                continue;
            }
            it.remove();
            work.queued = false;
            if (leaseTask(h, work, 0, now, batch) != LEASED) {
                putBack = putBack == null ? new ArrayList<>() : putBack;
                putBack.add(work);
            }
        }
        putBack(putBack);
    }

    private void dispatchCalls(Holder h, long now, int allowance, List<Lease> batch) {
        List<Work> putBack = null;
        for (Iterator<CallQueue> it = callQueues.values().iterator(); it.hasNext() && h.credits > 0; ) {
            CallQueue q = it.next();
            Work head = q.peek();
            if (head == null) {
                it.remove();
                continue;
            }
            if (!runs(h, head)) {
                continue;
            }
            while (h.credits > 0 && h.active < allowance && batch.size() < maxBatch) {
                Work next = q.peek();
                if (next == null || !runs(h, next)) {
                    break; // calls of one function may still differ in whom their policies admit
                }
                Work work = q.poll();
                if (leaseTask(h, work, 0, now, batch) != LEASED) {
                    putBack = putBack == null ? new ArrayList<>() : putBack;
                    putBack.add(work);
                }
            }
            if (q.peek() == null) {
                it.remove();
            }
        }
        putBack(putBack);
    }

    /** Queues again, first in line, one-task works that want more replicas than this dispatch gave. */
    private void putBack(List<Work> works) {
        if (works != null) {
            for (int i = works.size() - 1; i >= 0; i--) {
                queue(works.get(i), true);
            }
        }
    }

    private void dispatchJobs(Holder h, long now, int allowance, List<Lease> batch) {
        if (liveTenants.size() <= 1 && tenantInFlight == 0) {
            dispatchInOrder(h, now, allowance, batch);
        } else {
            dispatchFairly(h, now, allowance, batch);
        }
    }

    /** Jobs of one tenant: by priority and age, each as far as it goes. */
    private void dispatchInOrder(Holder h, long now, int allowance, List<Lease> batch) {
        List<Deferred> deferred = null;
        for (Work job : jobs) {
            if (h.credits <= 0 || batch.size() >= maxBatch) {
                break;
            }
            if (!job.hasWork() || !runs(h, job)) {
                continue;
            }
            while (h.credits > 0 && h.active < allowance && batch.size() < maxBatch) {
                long key = job.next();
                if (key == -1) {
                    break;
                }
                int leased = leaseTask(h, job, key, now, batch);
                if (leased != LEASED) {
                    deferred = defer(deferred, job, key, leased);
                    break;
                }
            }
        }
        enqueueDeferred(deferred);
    }

    /**
     * Jobs of several tenants: each task goes to the tenant with the fewest tasks in flight for its
     * weight (ties: the fewest leased while its jobs lived, then the older), and within a tenant to
     * its first job by priority and age that has a task this holder may run.
     */
    private void dispatchFairly(Holder h, long now, int allowance, List<Lease> batch) {
        Map<String, Share> shares = new LinkedHashMap<>();
        for (Work job : jobs) {
            Share share = shares.computeIfAbsent(job.tenant, t -> new Share(t, weights.getOrDefault(t, 1.0)));
            share.inFlight += job.running;
            if (job.hasWork() && runs(h, job)) {
                share.jobs.add(job);
            }
        }
        List<Deferred> deferred = null;
        while (h.credits > 0 && h.active < allowance && batch.size() < maxBatch) {
            Share best = null;
            for (Share share : shares.values()) {
                if (share.at < share.jobs.size()
                        && (tenantInFlight == 0 || share.inFlight < tenantInFlight)
                        && (best == null || share.before(best, served))) {
                    best = share;
                }
            }
            if (best == null) {
                break;
            }
            Work job = best.jobs.get(best.at);
            long key = job.next();
            if (key == -1) {
                best.at++;
                continue;
            }
            int leased = leaseTask(h, job, key, now, batch);
            if (leased == LEASED) {
                best.inFlight++;
                served.merge(best.tenant, 1L, Long::sum);
            } else {
                // This holder runs or answered a replica of the task: the task waits for another
                // holder, and this one moves on to the tenant's next job.
                deferred = defer(deferred, job, key, leased);
                best.at++;
            }
        }
        enqueueDeferred(deferred);
    }

    private static List<Deferred> defer(List<Deferred> deferred, Work job, long key, int leased) {
        if (leased != DEFERRED) {
            return deferred; // prepare tasks have no queue; stale entries are dropped
        }
        List<Deferred> out = deferred == null ? new ArrayList<>() : deferred;
        out.add(new Deferred(job, key));
        return out;
    }

    private static void enqueueDeferred(List<Deferred> deferred) {
        if (deferred != null) {
            for (Deferred d : deferred) {
                d.job.enqueue(d.key, true);
            }
        }
    }

    private record Deferred(Work job, long key) {}

    /** One tenant's part of a dispatch. */
    private static final class Share {
        final String tenant;
        final double weight;
        final List<Work> jobs = new ArrayList<>(2);
        int inFlight;
        int at;

        Share(String tenant, double weight) {
            this.tenant = tenant;
            this.weight = weight;
        }

        boolean before(Share other, Map<String, Long> served) {
            int c = Double.compare(inFlight / weight, other.inFlight / other.weight);
            if (c != 0) {
                return c < 0;
            }
            return served.getOrDefault(tenant, 0L) / weight < served.getOrDefault(other.tenant, 0L) / other.weight;
        }
    }

    /** How many times the median attempt duration a task must have run to get a speculative copy. */
    public static final int STRAGGLER_FACTOR = 3;

    /**
     * Speculation (Spark's and Hadoop's): a holder with credits that got nothing may run a copy of a
     * straggler, a task of a job with nothing pending whose attempt has run longer than {@value
     * #STRAGGLER_FACTOR} times the job's median. The first answer that settles the task wins and the
     * other attempt is told to stop. A replicated task only gets a copy from a holder whose answer
     * settles it alone (local or trusted), so a copy never needs a quorum of its own.
     */
    private void speculate(Holder h, long now, List<Lease> batch) {
        for (Work job : jobs) {
            if (!job.speculation || job.hasWork() || job.running == 0 || !runs(h, job)) {
                continue;
            }
            if (job.replicated() && !h.trust.vouches()) {
                continue;
            }
            if (now - job.lastSpeculationNanos < SPECULATION_CHECK_NANOS) {
                continue;
            }
            job.lastSpeculationNanos = now;
            long median = job.medianNanos();
            if (median < 0) {
                continue;
            }
            long threshold = STRAGGLER_FACTOR * Math.max(median, 1_000_000L);
            Lease straggler = null;
            for (Holder other : holders.values()) {
                if (other == h) {
                    continue;
                }
                for (Lease l : other.leases.values()) {
                    if (l.work == job
                            && !l.expired
                            && !l.suspended
                            && now - l.leasedAtNanos > threshold
                            && job.isCurrent(l)
                            && (job.speculated == null || !job.speculated.containsKey(l.key))
                            && (straggler == null || l.leasedAtNanos < straggler.leasedAtNanos)) {
                        straggler = l;
                    }
                }
            }
            if (straggler == null) {
                continue;
            }
            Lease copy = leaseCopy(h, straggler, now);
            if (copy != null) {
                batch.add(copy);
                return;
            }
        }
    }

    private static final long SPECULATION_CHECK_NANOS = 50_000_000L;

    /** Leases a speculative copy of {@code straggler}'s task to {@code h}; null if it may not. */
    private Lease leaseCopy(Holder h, Lease straggler, long now) {
        Work work = straggler.work;
        long key = straggler.key;
        Work.Replicas r = work.replicas(key);
        if (r != null && r.hasHost(h.host)) {
            return null;
        }
        int attempt = work.nextAttempt(key);
        Lease copy = new Lease(work, key, attempt, epoch, h, now + work.timeoutNanos);
        copy.leasedAtNanos = now;
        copy.speculative = true;
        Lease replaced = h.leases.put(copy.id(), copy);
        if (replaced != null) {
            detach(h, replaced, true);
        }
        work.leases++;
        h.active++;
        h.take();
        if (r != null) {
            r.target++; // one more replica in flight; the copy's answer settles the task alone
            r.inFlight.add(copy);
            work.running++;
        }
        if (work.speculated == null) {
            work.speculated = new java.util.HashMap<>();
        }
        work.speculated.put(key, new ArrayList<>(List.of(straggler, copy)));
        return copy;
    }

    /**
     * Leases one pending task to a holder. Returns LEASED, STALE (a queue entry of a task that has all
     * its replicas) or DEFERRED (the task needs more replicas, but this holder runs or answered one).
     */
    private int leaseTask(Holder h, Work work, long key, long now, List<Lease> batch) {
        Work.Replicas r = work.replicas(key);
        boolean vouched = false;
        if (r != null) {
            if (r.full()) {
                return STALE; // a stale queue entry of a task that has its replicas
            }
            if (r.hasHost(h.host)) {
                return DEFERRED;
            }
            if (r.inFlight.isEmpty() && r.answers.isEmpty()) {
                // The first attempt decides how many answers the task needs: one from a holder whose
                // answers vouch for themselves, or from a host whose record spares it the check.
                if (h.trust.vouches()) {
                    r.target = 1;
                } else {
                    double check = work.policy.checkProbability(h.reputation);
                    vouched = check < 1.0 && random.nextDouble() >= check;
                    r.target = vouched ? 1 : work.policy.replicas();
                }
            }
        }
        long rounds = Math.min(9, h.active / h.slots);
        int attempt = work.nextAttempt(key);
        // A holder runs what it holds `slots` at a time: an attempt queued behind others gets a time
        // limit per round ahead of it (at most ten), so it does not time out for a slow neighbour.
        Lease lease = new Lease(work, key, attempt, epoch, h, now + work.timeoutNanos * (1 + rounds));
        lease.vouched = vouched;
        lease.leasedAtNanos = now;
        Lease replaced = h.leases.put(lease.id(), lease);
        if (replaced != null) {
            detach(h, replaced, true); // a saturated attempt number replaced an older lease
        }
        work.leases++;
        h.active++;
        h.take();
        work.running++;
        batch.add(lease);
        if (r != null) {
            r.inFlight.add(lease);
            if (r.full()) {
                work.setState(key, TaskState.LEASED);
            } else if (work.kind == Work.Kind.JOB) {
                work.enqueue(key, true);
            } else {
                return LEASED_MORE; // the caller queues the work again
            }
        } else {
            work.setState(key, TaskState.LEASED);
        }
        return LEASED;
    }

    private static final int LEASED = 0;
    private static final int STALE = 1;
    private static final int DEFERRED = 2;
    private static final int LEASED_MORE = 3;

    /** The queued calls of one function: calls made by tasks first, newest first (depth first). */
    private static final class CallQueue {
        final ArrayDeque<Work> subs = new ArrayDeque<>();
        final ArrayDeque<Work> roots = new ArrayDeque<>();

        Work peek() {
            prune(subs);
            if (!subs.isEmpty()) {
                return subs.peekFirst();
            }
            prune(roots);
            return roots.peekFirst();
        }

        Work poll() {
            Work w = peek();
            if (w != null) {
                (subs.isEmpty() ? roots : subs).pollFirst();
                w.queued = false;
            }
            return w;
        }

        private static void prune(ArrayDeque<Work> q) {
            while (!q.isEmpty() && !q.peekFirst().hasWork()) {
                q.pollFirst().queued = false;
            }
        }
    }

    // ---------------------------------------------------------------------------------- checks

    /**
     * Checks the ledger of every connected holder and the lease counts of the given works; returns
     * the breaches found (empty when all is well). Used by the simulation after every step.
     */
    public List<String> breaches(Collection<? extends Work> works) {
        List<String> out = new ArrayList<>();
        Map<Work, Integer> leases = new java.util.HashMap<>();
        for (Holder h : holders.values()) {
            String breach = h.ledgerBreach();
            if (breach != null) {
                out.add(breach);
            }
            for (Lease lease : h.leases.values()) {
                leases.merge(lease.work, 1, Integer::sum);
                if (lease.holder != h) {
                    out.add(lease + " is in the map of " + h);
                }
                if (!lease.work.live()) {
                    out.add(lease + " is held after its work ended");
                }
            }
        }
        for (Work w : works) {
            w.replicaBreaches(out);
            int held = leases.getOrDefault(w, 0);
            if (held != w.leases) {
                out.add(w + " counts " + w.leases + " leases, holders have " + held);
            }
            if (w.running < 0 || w.committing < 0) {
                out.add(w + " counts running " + w.running + ", committing " + w.committing);
            }
        }
        return out;
    }
}
