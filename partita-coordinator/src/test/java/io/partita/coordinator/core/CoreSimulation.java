package io.partita.coordinator.core;

import io.partita.store.TreeShape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A seeded, deterministic simulation of the scheduling core: a fake clock, simulated workers (some
 * sharing a host, some lying on replicated tasks), a simulated store fenced by epoch, and a random
 * schedule of submits, credits, answers (on time, late, duplicate, from the wrong worker, for the
 * wrong attempt), failures, returns, suspensions, worker losses and drains, time-outs, cancels, commit
 * failures and coordinator restarts from what the store holds. After every step it checks the
 * invariants; a run returns what it found broken (empty when all held).
 *
 * <p>Checked: (1) the ledger of every holder balances and nothing is held for an ended work; (2) a
 * work's running count equals the current leases of it that holders hold; (3) a task's answer is
 * recorded once, and only under the owner's epoch; (4) a worker never completes a task it does not
 * hold: such an answer changes nothing; (5) a restart never leases a task that is durable; (6) a
 * task under a quorum policy is recorded only with k matching answers from k distinct hosts, and
 * never with a liar's answer; (7) once faults stop, every work ends, and a work that is DONE has every
 * task recorded.
 */
final class CoreSimulation {
    private final long seed;
    private final Random random;
    private final List<String> violations = new ArrayList<>();
    private final FakeClock clock = new FakeClock();
    private long epoch = 1;
    private SchedulerCore core;
    private Shell shell;
    private int steps;
    private int workSeq;
    private int workerSeq;
    private long recorded;
    private int restarts;
    private int lateAccepted;
    private boolean faults = true;

    /** The durable store: recorded answers by work id and key, and the epoch that fences commits. */
    private final Map<String, Map<Long, Long>> store = new HashMap<>();

    /** Works the simulation knows, by id, with their specs so a restart can rebuild them. */
    private final Map<String, Spec> specs = new LinkedHashMap<>();

    private final Map<String, Work> works = new LinkedHashMap<>();
    private final List<SimWorker> workers = new ArrayList<>();
    private final List<PendingCommit> commits = new ArrayList<>();

    /** Answers each replicated task received that the core kept, per task: (host, digest). */
    private final Map<String, List<long[]>> replicaAnswers = new HashMap<>();

    CoreSimulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    int steps() {
        return steps;
    }

    long recorded() {
        return recorded;
    }

    int restarts() {
        return restarts;
    }

    private int liesAcceptedOnRecord;
    private int speculated;

    int speculated() {
        return speculated;
    }

    int liesAcceptedOnRecord() {
        return liesAcceptedOnRecord;
    }

    /** Answers accepted on their host's record alone, and answers judged invalid, over all hosts. */
    long[] judged() {
        long unchecked = 0;
        long invalid = 0;
        for (Reputation r : reputations.values()) {
            unchecked += r.unchecked();
            invalid += r.invalid();
        }
        return new long[] {unchecked, invalid};
    }

    int lateAccepted() {
        return lateAccepted;
    }

    /** What one work is, so that a restarted core can rebuild it from the store. */
    record Spec(
            Work.Kind kind,
            long partitions,
            int fanIn,
            int maxAttempts,
            Duration timeout,
            int k,
            int maxReplicas,
            int verification) {
        CompletionPolicy policy() {
            return switch (verification) {
                case TRUSTED_ONLY -> CompletionPolicy.trustedOnly();
                case ADAPTIVE -> CompletionPolicy.adaptive(k, maxReplicas, TRUST_AFTER);
                default ->
                    k == 1 && maxReplicas == 1
                            ? CompletionPolicy.FIRST_ANSWER
                            : CompletionPolicy.quorum(k, maxReplicas);
            };
        }
    }

    static final int QUORUM = 0;
    static final int TRUSTED_ONLY = 1;
    static final int ADAPTIVE = 2;
    static final int TRUST_AFTER = 3;

    /** Liars that lie on every replicated task, and liars that lie only once their record is trusted. */
    static final int HONEST = 0;

    static final int ALWAYS_LIES = 1;
    static final int LIES_WHEN_TRUSTED = 2;

    /** A job of the simulation. */
    static final class SimJob extends TreeWork {
        final int fanIn;

        SimJob(String id, Spec spec) {
            super(id, spec.timeout(), spec.maxAttempts(), spec.policy(), 0, 0);
            this.fanIn = spec.fanIn();
            tenant("t" + Math.floorMod(id.hashCode(), 3)); // three tenants share the holders, the same after a restart
        }

        @Override
        protected int fanIn(long partitions) {
            return fanIn;
        }
    }

    /** A grid call or log task of the simulation. */
    static final class SimSingle extends SingleWork {
        SimSingle(String id, Spec spec, boolean sub) {
            super(
                    spec.kind(),
                    id,
                    spec.timeout(),
                    spec.maxAttempts(),
                    spec.kind() == Kind.CALL,
                    spec.policy(),
                    "g",
                    sub,
                    0);
        }
    }

    private record PendingCommit(Lease lease, long digest, long epoch) {}

    /** A simulated worker: its holder and what it was sent. */
    private static final class SimWorker {
        final Holder holder;
        final int liar;
        final List<Lease> held = new ArrayList<>();

        SimWorker(Holder holder, int liar) {
            this.holder = holder;
            this.liar = liar;
        }

        boolean liesNow() {
            return liar == ALWAYS_LIES || liar == LIES_WHEN_TRUSTED && holder.reputation.consecutive() >= TRUST_AFTER;
        }
    }

    private static final class FakeClock implements Clock {
        long nanos = 1_000_000_000L;

        @Override
        public long nanos() {
            return nanos;
        }

        @Override
        public long millis() {
            return nanos / 1_000_000;
        }
    }

    /** The effects of the core, as a shell would carry them out. */
    private final class Shell implements Effects {
        @Override
        public void leased(Holder holder, List<Lease> batch) {
            note("leased " + batch);
            SimWorker w = worker(holder);
            for (Lease lease : batch) {
                if (lease.epoch != epoch) {
                    violations.add("lease " + lease + " carries epoch " + lease.epoch + ", the core's is " + epoch);
                }
                if (durable(lease.work.id, lease.work, lease.key)) {
                    violations.add("durable task leased again: " + lease);
                }
                if (!lease.work.policy().admits(holder.trust)) {
                    violations.add(lease + " was leased to " + holder + ", which its policy does not admit");
                }
                if (lease.vouched() && holder.reputation.consecutive() < TRUST_AFTER) {
                    violations.add(lease + " is accepted on the record of " + holder.reputation + ", too short");
                }
                if (lease.speculative()) {
                    speculated++;
                }
                if (w != null) {
                    w.held.add(lease);
                }
            }
        }

        @Override
        public void revoked(Holder holder, List<Lease> leases, String reason) {
            // the worker keeps running them and answers late: that is what the simulation exercises
        }

        @Override
        public void attemptFailed(Lease lease, String error, int failures) {}

        @Override
        public void ended(Work work) {
            if (work.status() == Work.Status.DONE && work instanceof SimJob job) {
                TreeShape shape = job.shape();
                Map<Long, Long> rows = store.getOrDefault(work.id, Map.of());
                if (!rows.containsKey(TreeWork.key(shape.top(), 0))) {
                    violations.add(work + " is done but its root is not recorded");
                }
            }
        }
    }

    private SimWorker worker(Holder h) {
        for (SimWorker w : workers) {
            if (w.holder == h) {
                return w;
            }
        }
        return null;
    }

    /** Whether a job speculates: half of them, the same after a restart. */
    private static boolean speculates(String id) {
        return (id.hashCode() & 1) == 0;
    }

    /** The honest answer of a task. */
    private static long truth(String work, long key) {
        long h = work.hashCode() * 0x9E3779B97F4A7C15L + key;
        return h ^ (h >>> 29);
    }

    /** Whether the store holds the task's result, or an ancestor's (which implies it). */
    private boolean durable(String id, Work work, long key) {
        Map<Long, Long> rows = store.get(id);
        if (rows == null) {
            return false;
        }
        if (rows.containsKey(key)) {
            return true;
        }
        if (work instanceof TreeWork tree && tree.shape() != null && TreeWork.level(key) >= 0) {
            TreeShape shape = tree.shape();
            int level = TreeWork.level(key);
            long index = TreeWork.index(key);
            while (level < shape.top()) {
                index = shape.parent(index);
                level++;
                if (rows.containsKey(TreeWork.key(level, index))) {
                    return true;
                }
            }
        }
        return false;
    }

    private int tenantInFlight;

    /** Fair share between the three tenants: one of weight 2, and sometimes a bound on tasks in flight. */
    private void share(SchedulerCore c) {
        c.weigh("t1", 2);
        c.limitTenantInFlight(tenantInFlight);
    }

    /** Runs a schedule with faults, then a quiet phase in which every work must end. */
    List<String> run() {
        core = new SchedulerCore(clock, epoch, 1 + random.nextInt(8), shell = new Shell());
        tenantInFlight = random.nextInt(4) == 0 ? 1 + random.nextInt(6) : 0;
        share(core);
        int faultSteps = 300 + random.nextInt(500);
        for (int i = 0; i < faultSteps && violations.isEmpty(); i++) {
            step();
            check();
        }
        faults = false;
        // Quiet phase: two honest, fresh workers; everything must end.
        for (SimWorker w : new ArrayList<>(workers)) {
            lose(w);
        }
        for (int i = 0; i < 4; i++) {
            connect(HONEST, Trust.UNTRUSTED);
        }
        connect(HONEST, Trust.TRUSTED); // trusted-only works need one
        for (int i = 0; i < 20_000 && violations.isEmpty() && !allEnded(); i++) {
            quietStep();
            check();
        }
        if (violations.isEmpty() && !allEnded()) {
            List<String> open = new ArrayList<>();
            for (Work w : works.values()) {
                if (w.live()) {
                    open.add(w + " running " + w.running() + " committing " + w.committing());
                }
            }
            violations.add("works did not end once faults stopped: " + open);
        }
        return violations;
    }

    private boolean allEnded() {
        for (Work w : works.values()) {
            if (w.live()) {
                return false;
            }
        }
        return commits.isEmpty();
    }

    private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();

    /** Notes an action; the last few are reported with the first violation. */
    private void note(String action) {
        if (recent.size() == 16) {
            recent.removeFirst();
        }
        recent.addLast(steps + ": " + action);
    }

    private void step() {
        steps++;
        int roll = random.nextInt(100);
        if (works.size() < 3 || roll < 4) {
            submit();
        } else if (workers.size() < 2 || roll < 8) {
            connect(random.nextInt(4) == 0 ? 1 + random.nextInt(2) : HONEST);
        } else if (roll < 20) {
            SimWorker w = anyWorker();
            note("pull " + w.holder);
            core.pull(w.holder, 1 + random.nextInt(6));
        } else if (roll < 50) {
            answerSomething();
        } else if (roll < 56) {
            SimWorker w = anyWorker();
            if (!w.held.isEmpty()) {
                Lease lease = w.held.remove(random.nextInt(w.held.size()));
                note("return " + lease);
                core.returned(w.holder, List.of(lease.id()));
            }
        } else if (roll < 60) {
            SimWorker w = anyWorker();
            if (!w.held.isEmpty()) {
                Lease lease = w.held.get(random.nextInt(w.held.size()));
                boolean suspend = random.nextBoolean();
                note((suspend ? "suspend " : "resume ") + lease);
                core.suspend(w.holder, List.of(lease.id()), suspend);
            }
        } else if (roll < 63) {
            SimWorker w = anyWorker();
            note("lose " + w.holder);
            lose(w);
        } else if (roll < 64) {
            SimWorker w = anyWorker();
            note("drain " + w.holder);
            core.drain(w.holder);
        } else if (roll < 75) {
            clock.nanos +=
                    (long) (random.nextDouble() * 1.5 * Duration.ofSeconds(2).toNanos());
            note("expire");
            core.expire();
        } else if (roll < 92) {
            applyCommit(random.nextInt(6) == 0);
        } else if (roll < 93) {
            List<Work> live = works.values().stream().filter(Work::live).toList();
            if (!live.isEmpty()) {
                note("cancel");
                core.end(live.get(random.nextInt(live.size())), Work.Status.CANCELLED, "cancelled");
            }
        } else if (roll < 94) {
            note("restart");
            restart();
        } else {
            forgedAnswer();
        }
    }

    private void quietStep() {
        steps++;
        int roll = random.nextInt(10);
        if (roll < 2) {
            for (SimWorker w : workers) {
                core.pull(w.holder, 4);
            }
        } else if (roll < 7) {
            answerSomething();
        } else if (roll < 9) {
            applyCommit(false);
        } else {
            clock.nanos += Duration.ofMillis(500).toNanos();
            core.expire();
        }
    }

    private SimWorker anyWorker() {
        if (workers.isEmpty()) {
            connect(HONEST);
        }
        return workers.get(random.nextInt(workers.size()));
    }

    private final Map<String, Reputation> reputations = new HashMap<>();

    private void connect(int liar) {
        // Some honest workers are trusted (they presented a credential); a liar never is.
        connect(liar, liar == HONEST && random.nextInt(5) == 0 ? Trust.TRUSTED : Trust.UNTRUSTED);
    }

    private void connect(int liar, Trust trust) {
        String id = "w" + (++workerSeq);
        // Some workers share a host: their answers never form a quorum together.
        String host = "h" + (faults ? random.nextInt(Math.max(2, workerSeq)) : workerSeq);
        int slots = 1 + random.nextInt(3);
        Reputation reputation = reputations.computeIfAbsent(host, Reputation::new);
        Holder h = core.connect(id, host, trust, reputation, slots, work -> true);
        workers.add(new SimWorker(h, liar));
        core.pull(h, 1 + random.nextInt(4));
    }

    private void lose(SimWorker w) {
        workers.remove(w);
        core.lose(w.holder);
    }

    private void submit() {
        String id = "j" + (++workSeq);
        int kind = random.nextInt(10);
        int k = 1;
        int max = 1;
        int verification = QUORUM;
        int roll = random.nextInt(8);
        if (roll < 3) {
            k = 2 + random.nextInt(2);
            max = k + random.nextInt(3);
            verification = roll == 0 ? QUORUM : ADAPTIVE;
        } else if (roll == 3) {
            verification = TRUSTED_ONLY;
        }
        Duration timeout = Duration.ofMillis(500 + random.nextInt(2500));
        int attempts = 1 + random.nextInt(5);
        Spec spec;
        Work work;
        if (kind < 6) {
            spec = new Spec(
                    Work.Kind.JOB,
                    1 + random.nextInt(random.nextBoolean() ? 8 : 200),
                    2 + random.nextInt(6),
                    attempts,
                    timeout,
                    k,
                    max,
                    verification);
            SimJob job = new SimJob(id, spec);
            job.speculate(speculates(id));
            if (random.nextInt(5) > 0) {
                job.start(spec.partitions(), null);
            } // else it prepares first
            work = job;
        } else {
            spec = new Spec(kind < 8 ? Work.Kind.CALL : Work.Kind.LOG, 1, 0, attempts, timeout, k, max, verification);
            work = new SimSingle(id, spec, random.nextBoolean());
        }
        specs.put(id, spec);
        works.put(id, work);
        note("submit " + work + " " + spec);
        core.add(work);
        core.dispatchAll();
    }

    /** A worker answers one of the leases it was sent: honestly, with an error, or a lie. */
    private void answerSomething() {
        List<SimWorker> busy = workers.stream().filter(w -> !w.held.isEmpty()).toList();
        if (busy.isEmpty()) {
            return;
        }
        SimWorker w = busy.get(random.nextInt(busy.size()));
        Lease lease = w.held.get(random.nextInt(w.held.size()));
        boolean duplicate = faults && random.nextInt(10) == 0; // answers twice
        if (!duplicate) {
            w.held.remove(lease);
        }
        Work work = lease.work;
        byte before = work.live() ? work.state(lease.key) : -1;
        boolean wasCurrent = lease.current();
        boolean heldBefore = w.holder.leases.containsKey(lease.id());
        if (faults && random.nextInt(8) == 0) {
            Verdict v = core.failure(w.holder, lease.id(), "boom", true);
            note("failure " + lease + (duplicate ? " (again later)" : "") + " -> " + v);
            if (v == Verdict.FAILED && !wasCurrent) {
                violations.add("a failure of a non-current attempt counted: " + lease);
            }
            return;
        }
        long digest = truth(work.id, lease.key);
        if (w.liesNow() && work.replicated()) {
            digest = random.nextLong(); // liars do not collude: each lie is its own
        }
        Verdict v = core.answer(w.holder, lease.id(), digest, null);
        note("answer " + lease + (duplicate ? " (again later)" : "") + " -> " + v);
        switch (v) {
            case ACCEPTED -> {
                if (before != TaskState.PENDING && before != TaskState.LEASED) {
                    violations.add(
                            "an answer was accepted for a task that was " + TaskState.name(before) + ": " + lease);
                }
                if (!wasCurrent) {
                    lateAccepted++;
                }
                Lease chosen = core.acceptedLease();
                long chosenDigest = chosen == lease ? digest : answerOf(chosen);
                if (work.replicated()) {
                    remember(lease, w, digest);
                    checkQuorum(work, lease.key, chosen, chosenDigest);
                }
                commits.add(new PendingCommit(chosen, chosenDigest, epoch));
            }
            case RECORDED -> remember(lease, w, digest);
            case IGNORED, FAILED -> {}
            case NOT_HELD -> {
                if (heldBefore) {
                    violations.add("a worker's own lease was not held: " + lease);
                }
            }
        }
    }

    private final Map<Lease, Long> answersByLease = new HashMap<>();

    private void remember(Lease lease, SimWorker w, long digest) {
        answersByLease.put(lease, digest);
        replicaAnswers
                .computeIfAbsent(lease.work.id + "/" + lease.key, k -> new ArrayList<>())
                .add(new long[] {w.holder.host.hashCode(), digest});
    }

    private long answerOf(Lease lease) {
        Long d = answersByLease.get(lease);
        if (d == null) {
            violations.add("the chosen answer " + lease + " was never given");
            return 0;
        }
        return d;
    }

    private void checkQuorum(Work work, long key, Lease chosen, long digest) {
        if (chosen.holder.trust.vouches()) {
            if (digest != truth(work.id, key)) {
                violations.add(work.describe(key) + " of " + work + " recorded a lie from a trusted worker");
            }
            return;
        }
        if (chosen.vouched()) {
            if (digest != truth(work.id, key)) {
                liesAcceptedOnRecord++; // the risk adaptive replication takes, bounded by its checks
            }
            return;
        }
        int k = work.policy().replicas();
        Set<Long> hosts = new HashSet<>();
        for (long[] a : replicaAnswers.getOrDefault(work.id + "/" + key, List.of())) {
            if (a[1] == digest) {
                hosts.add(a[0]);
            }
        }
        if (hosts.size() < k) {
            violations.add(work.describe(key) + " of " + work + " accepted with " + hosts.size()
                    + " matching hosts, needs " + k);
        }
        if (digest != truth(work.id, key)) {
            violations.add(work.describe(key) + " of " + work + " accepted a lie");
        }
    }

    /** A worker answers a task it does not hold: another worker's lease, or a wrong attempt. */
    private void forgedAnswer() {
        List<SimWorker> busy = workers.stream().filter(w -> !w.held.isEmpty()).toList();
        if (busy.isEmpty() || workers.size() < 2) {
            return;
        }
        SimWorker owner = busy.get(random.nextInt(busy.size()));
        Lease lease = owner.held.get(random.nextInt(owner.held.size()));
        SimWorker thief = workers.get(random.nextInt(workers.size()));
        Lease.Id id = thief == owner
                ? new Lease.Id(lease.work, lease.key, lease.attempt + 1 + random.nextInt(3))
                : lease.id();
        if (thief != owner && thief.holder.leases.containsKey(id)) {
            return; // cannot happen: attempt numbers are per task
        }
        if (thief == owner && owner.holder.leases.containsKey(id)) {
            return; // it holds that later attempt too
        }
        byte before = lease.work.live() ? lease.work.state(lease.key) : -1;
        int creditsBefore = thief.holder.credits();
        Verdict v = random.nextBoolean()
                ? core.answer(thief.holder, id, truth(lease.work.id, lease.key), null)
                : core.failure(thief.holder, id, "forged", true);
        byte after = lease.work.live() ? lease.work.state(lease.key) : -1;
        if (v != Verdict.NOT_HELD && v != Verdict.IGNORED) {
            violations.add("a worker completed a task it does not hold: " + id + " by " + thief.holder + " gave " + v);
        }
        if (before != after || creditsBefore != thief.holder.credits()) {
            violations.add("a forged answer changed state: " + id);
        }
    }

    /** The writer commits (or fails to commit) the oldest accepted answer. */
    private void applyCommit(boolean fail) {
        if (commits.isEmpty()) {
            return;
        }
        PendingCommit c = commits.remove(random.nextInt(Math.min(3, commits.size())));
        if (c.epoch != epoch) {
            // A commit of a coordinator that was replaced: the store refuses it (fencing)...
            if (core.committed(c.lease)) {
                violations.add("the core accepted a commit of epoch " + c.epoch + " under epoch " + epoch);
            }
            return;
        }
        if (fail) {
            note("commit failed " + c.lease);
            core.commitFailed(c.lease);
            return;
        }
        note("commit " + c.lease);
        String id = c.lease.work.id;
        Map<Long, Long> rows = store.computeIfAbsent(id, k -> new HashMap<>());
        if (durable(id, c.lease.work, c.lease.key)) {
            violations.add("a task's result was recorded twice: " + c.lease);
        }
        rows.put(c.lease.key, c.digest);
        recorded++;
        if (c.lease.work instanceof SimJob job && TreeWork.level(c.lease.key) > 0) {
            // the store prunes a combine node's children in the same transaction
            TreeShape shape = job.shape();
            int level = TreeWork.level(c.lease.key);
            for (long child = shape.firstChild(TreeWork.index(c.lease.key));
                    child < shape.endChild(level, TreeWork.index(c.lease.key));
                    child++) {
                rows.remove(TreeWork.key(level - 1, child));
            }
        }
        boolean prepare = c.lease.work instanceof SimJob job && job.preparing();
        if (!core.committed(c.lease)) {
            violations.add("a commit under the current epoch was refused: " + c.lease);
        }
        if (prepare && c.lease.work.live()) {
            Spec spec = specs.get(id);
            ((SimJob) c.lease.work).start(spec.partitions(), null);
            core.dispatchAll();
        }
    }

    /** The coordinator restarts: a new core, a new epoch, works rebuilt from the store. */
    private void restart() {
        restarts++;
        epoch++;
        core = new SchedulerCore(clock, epoch, 1 + random.nextInt(8), shell);
        share(core);
        workers.clear();
        Map<String, Work> rebuilt = new LinkedHashMap<>();
        for (Map.Entry<String, Work> e : works.entrySet()) {
            Work old = e.getValue();
            Spec spec = specs.get(e.getKey());
            Map<Long, Long> rows = store.getOrDefault(e.getKey(), Map.of());
            if (!old.live()) {
                rebuilt.put(e.getKey(), old);
                continue;
            }
            Work fresh;
            if (old instanceof SimJob oldJob) {
                SimJob job = new SimJob(e.getKey(), spec);
                job.speculate(speculates(e.getKey()));
                boolean prepared = !oldJob.preparing() || rows.containsKey(0L);
                if (prepared) {
                    TreeShape shape = new TreeShape(spec.partitions(), spec.fanIn());
                    BitSet[] stored = new BitSet[shape.levels()];
                    for (int level = 0; level < shape.levels(); level++) {
                        stored[level] = new BitSet();
                    }
                    for (long key : rows.keySet()) {
                        if (key != 0) {
                            stored[TreeWork.level(key)].set(TreeWork.index(key));
                        }
                    }
                    BitSet[] complete = shape.complete(stored);
                    job.start(spec.partitions(), complete);
                    if (rows.containsKey(TreeWork.key(shape.top(), 0))) {
                        rebuilt.put(e.getKey(), job);
                        continue; // finished; it is not scheduled again (the simulation treats it as done)
                    }
                }
                fresh = job;
            } else {
                if (rows.containsKey(0L)) {
                    rebuilt.put(e.getKey(), old);
                    continue;
                }
                fresh = new SimSingle(e.getKey(), spec, false);
            }
            rebuilt.put(e.getKey(), fresh);
            core.add(fresh);
        }
        // Works whose root the store holds are done: mark them so the quiet phase does not wait.
        for (Map.Entry<String, Work> e : rebuilt.entrySet()) {
            if (e.getValue().live() && !e.getValue().added) {
                e.getValue().status = Work.Status.DONE;
            }
        }
        works.clear();
        works.putAll(rebuilt);
        connect(HONEST);
    }

    private boolean reported;

    private void check() {
        List<Work> live = works.values().stream().filter(Work::live).toList();
        for (String breach : core.breaches(live)) {
            violations.add("step " + steps + ": " + breach);
        }
        Map<Work, Integer> current = new HashMap<>();
        for (Holder h : core.holders()) {
            for (Lease lease : h.leases.values()) {
                if (lease.current()) {
                    current.merge(lease.work, 1, Integer::sum);
                }
            }
        }
        Map<Work, Integer> committing = new HashMap<>();
        for (PendingCommit c : commits) {
            if (c.epoch == epoch && c.lease.work.live()) {
                committing.merge(c.lease.work, 1, Integer::sum);
            }
        }
        for (Work w : live) {
            int leased = current.getOrDefault(w, 0);
            if (w.running() != leased) {
                violations.add(
                        "step " + steps + ": " + w + " counts " + w.running() + " running, holders hold " + leased);
            }
            if (w.added && w.committing() != committing.getOrDefault(w, 0)) {
                violations.add("step " + steps + ": " + w + " counts " + w.committing() + " committing, the writer has "
                        + committing.getOrDefault(w, 0));
            }
        }
        if (!violations.isEmpty() && !reported) {
            reported = true;
            violations.add("recent steps: " + recent);
        }
    }

    @Override
    public String toString() {
        return "simulation seed " + seed;
    }
}
