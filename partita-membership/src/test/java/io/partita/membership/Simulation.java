package io.partita.membership;

import io.partita.membership.MemberCore.Lease;
import io.partita.membership.Protocol.Decision;
import io.partita.membership.Protocol.GroupState;
import io.partita.membership.Protocol.Intent;
import io.partita.membership.Protocol.MemberRow;
import io.partita.membership.Protocol.Reply;
import io.partita.membership.Protocol.TickRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * A seeded, deterministic discrete-event simulation of the membership protocol: the real {@link
 * Protocol#decide} as the database, real {@link MemberCore}s as members, with random message
 * latencies, lost requests and replies, requests delayed far beyond the lease (partitions),
 * crashes, pauses (GC, SIGSTOP), joins, clean leaves, and members' monotonic clocks with random
 * offsets and rates. Global time is in microseconds; the database clock is global time.
 *
 * <p>Checked: (1) safety: every lease a member obtained is an interval [granted, min(replaced,
 * deadline on the global clock)] — a superset of when it may act — and no two members' intervals on
 * the same rank overlap; (2) after every database step, assigned ranks are exactly 0..N-1, held
 * ranks are unique, the epoch never decreases; (3) liveness: after faults stop, every live member
 * holds a lease in one stable view with ranks 0..N-1 within a bounded quiet period.
 */
final class Simulation {

    /** Parameters of one run. */
    record Config(
            long leaseMs,
            long heartbeatMs,
            long marginMs,
            double maxDrift,
            long faultPhaseMs,
            long quietPhaseMs,
            int initialMembers,
            int maxMembers) {
        static Config standard() {
            return new Config(1000, 100, 100, 1e-3, 20_000, 9_000, 4, 7);
        }
    }

    /** A recorded interval during which a member might act on a rank. */
    record Interval(String member, int rank, long epoch, long fromUs, long untilUs) {}

    private enum Kind {
        TICK,
        DB_EXEC,
        REPLY,
        TIMEOUT,
        CRASH,
        PAUSE,
        LEAVE,
        JOIN
    }

    private record Event(long t, long seq, Kind kind, Sim member, long sendId, TickRequest request, Reply reply) {}

    private final class Sim {
        final String id;
        final MemberCore core;
        final long offsetNanos;
        final double rate;
        boolean crashed;
        boolean leaving;
        boolean sentLeave;
        boolean gone;
        long pausedUntil;
        long sendId;
        boolean inFlight;
        long lastExecT;
        Lease seen;
        long seenFrom;

        Sim(String id) {
            this.id = id;
            this.core = new MemberCore(id, "", config.leaseMs * 1_000_000L, config.marginMs * 1_000_000L);
            this.core.checkClocks(checkClocks);
            this.offsetNanos = random.nextLong(1L << 40) - (1L << 39);
            this.rate = 1 + (random.nextDouble() * 2 - 1) * config.maxDrift;
        }

        long local(long tUs) {
            return offsetNanos + Math.round(tUs * 1000.0 * rate);
        }
    }

    private final long seed;
    private final Config config;
    private final Random random;
    private final PriorityQueue<Event> queue =
            new PriorityQueue<>(Comparator.comparingLong(Event::t).thenComparingLong(Event::seq));
    private final List<Sim> members = new ArrayList<>();
    private final List<Interval> intervals = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private GroupState db = GroupState.empty();
    private long seq;
    private long now;
    private int nextId;
    private int dbSteps;
    private boolean checkClocks;

    Simulation(long seed, Config config) {
        this.seed = seed;
        this.config = config;
        this.random = new Random(seed);
    }

    /**
     * Turns on the members' clock check (as on SQLite), which changes when rows may be deleted and
     * when a new member may join; the database clock stays one global clock, so no member may refuse.
     */
    Simulation checkingClocks() {
        checkClocks = true;
        return this;
    }

    /** Runs the simulation; returns the violations found (empty if none). */
    List<String> run() {
        long faultEnd = config.faultPhaseMs * 1000;
        long end = faultEnd + config.quietPhaseMs * 1000;
        for (int i = 0; i < config.initialMembers; i++) {
            spawn(random.nextLong(config.heartbeatMs * 1000));
        }
        // Faults and churn, at random times during the fault phase.
        for (long t = 0; t < faultEnd; t += 1 + random.nextLong(400_000)) {
            Kind k = List.of(Kind.CRASH, Kind.PAUSE, Kind.LEAVE, Kind.JOIN, Kind.JOIN)
                    .get(random.nextInt(5));
            push(new Event(t, seq++, k, null, 0, null, null));
        }
        while (!queue.isEmpty() && violations.size() < 5) {
            Event e = queue.poll();
            if (e.t() > end) {
                break;
            }
            now = e.t();
            boolean faults = now < faultEnd;
            handle(e, faults);
        }
        now = end;
        for (Sim s : members) {
            closeInterval(s, now);
        }
        checkIntervals();
        if (violations.isEmpty()) {
            checkConverged();
        }
        return violations;
    }

    int dbSteps() {
        return dbSteps;
    }

    List<Interval> intervals() {
        return intervals;
    }

    private void spawn(long at) {
        Sim s = new Sim(String.format("m%03d", nextId++));
        members.add(s);
        push(new Event(at, seq++, Kind.TICK, s, 0, null, null));
    }

    private List<Sim> alive() {
        return members.stream().filter(s -> !s.crashed && !s.gone && !s.leaving).toList();
    }

    private void push(Event e) {
        queue.add(e);
    }

    private long latencyUs(boolean faults) {
        if (faults && random.nextInt(100) < 2) {
            return random.nextLong(2_500_000); // a partition: far beyond the lease
        }
        return random.nextLong(faults ? 30_000 : 5_000);
    }

    private void handle(Event e, boolean faults) {
        Sim s = e.member();
        switch (e.kind()) {
            case CRASH, PAUSE, LEAVE -> {
                if (!faults) {
                    return;
                }
                List<Sim> alive = alive();
                if (alive.size() <= 1) {
                    return;
                }
                Sim victim = alive.get(random.nextInt(alive.size()));
                if (e.kind() == Kind.CRASH) {
                    victim.crashed = true;
                    closeInterval(victim, now);
                } else if (e.kind() == Kind.PAUSE) {
                    victim.pausedUntil = Math.max(victim.pausedUntil, now + random.nextLong(2_500_000));
                } else {
                    victim.leaving = true; // leaves at its next tick opportunity
                }
            }
            case JOIN -> {
                if (faults && alive().size() < config.maxMembers) {
                    spawn(now);
                }
            }
            case TICK -> {
                if (s.crashed || s.gone) {
                    return;
                }
                if (now < s.pausedUntil) {
                    push(new Event(s.pausedUntil, seq++, Kind.TICK, s, 0, null, null));
                    return;
                }
                if (s.inFlight) {
                    return;
                }
                s.sentLeave = s.leaving;
                TickRequest req = s.core.prepare(s.local(now), s.leaving ? Intent.LEAVE : Intent.RENEW);
                track(s);
                s.inFlight = true;
                long id = ++s.sendId;
                boolean lost = faults && random.nextInt(100) < 3;
                if (!lost || random.nextBoolean()) {
                    // A lost request may still reach the database later; executions of one member's
                    // requests are ordered, as its transactions are serialized by the group lock.
                    long exec = Math.max(now + latencyUs(faults), s.lastExecT + 1);
                    s.lastExecT = exec;
                    push(new Event(exec, seq++, Kind.DB_EXEC, s, id, req, null));
                }
                push(new Event(now + config.leaseMs * 1000, seq++, Kind.TIMEOUT, s, id, null, null));
            }
            case DB_EXEC -> {
                Decision d = Protocol.decide(db, now / 1000, e.request(), config.leaseMs);
                checkDb(d);
                db = d.after();
                dbSteps++;
                if (!(faults && random.nextInt(100) < 3)) {
                    push(new Event(now + latencyUs(faults), seq++, Kind.REPLY, s, e.sendId(), null, d.reply()));
                }
            }
            case REPLY, TIMEOUT -> {
                if (s.crashed || s.gone || !s.inFlight || e.sendId() != s.sendId) {
                    return;
                }
                if (now < s.pausedUntil) {
                    push(new Event(s.pausedUntil, seq++, e.kind(), s, e.sendId(), null, e.reply()));
                    return;
                }
                s.inFlight = false;
                long next;
                if (e.kind() == Kind.REPLY) {
                    s.core.onReply(e.reply(), s.local(now));
                    if (s.sentLeave) {
                        s.gone = true;
                        track(s);
                        return;
                    }
                    next = s.core.retickImmediately()
                            ? 0
                            : s.core.retickSoon() ? config.heartbeatMs * 250 : config.heartbeatMs * 1000;
                } else {
                    s.core.onFailure();
                    if (s.sentLeave) {
                        s.gone = true; // gives up leaving cleanly; its row expires
                        s.core.close();
                        track(s);
                        return;
                    }
                    next = config.heartbeatMs * 500;
                }
                track(s);
                push(new Event(now + next, seq++, Kind.TICK, s, 0, null, null));
            }
        }
    }

    private void track(Sim s) {
        Lease l = s.core.rawLease().orElse(null);
        if (l == s.seen) {
            return;
        }
        closeInterval(s, now);
        if (l != null) {
            s.seen = l;
            s.seenFrom = now;
        }
    }

    private void closeInterval(Sim s, long at) {
        if (s.seen != null) {
            // The interval ends when the member's own fencing rule stops it, found by bisection.
            long lo = s.seenFrom;
            long hi = at;
            if (!MemberCore.isValid(s.seen, s.local(lo))) {
                hi = lo;
            } else if (!MemberCore.isValid(s.seen, s.local(hi))) {
                while (hi - lo > 1) {
                    long mid = (lo + hi) >>> 1;
                    if (MemberCore.isValid(s.seen, s.local(mid))) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
            }
            long until = hi;
            if (until > s.seenFrom) {
                intervals.add(new Interval(s.id, s.seen.rank(), s.seen.epoch(), s.seenFrom, until));
            }
            s.seen = null;
        }
    }

    private void checkDb(Decision d) {
        GroupState after = d.after();
        int n = after.members().size();
        Set<Integer> assigned = new HashSet<>();
        Set<Integer> held = new HashSet<>();
        for (MemberRow r : after.members()) {
            if (r.assignedRank() < 0 || r.assignedRank() >= n || !assigned.add(r.assignedRank())) {
                violations.add("t=" + now + "us: assigned ranks not 0.." + (n - 1) + ": " + after);
            }
            if (r.heldRank() != Protocol.NONE && !held.add(r.heldRank())) {
                violations.add("t=" + now + "us: rank " + r.heldRank() + " held twice: " + after);
            }
        }
        if (after.epoch() < d.before().epoch()) {
            violations.add("t=" + now + "us: epoch went back from " + d.before().epoch());
        }
        Reply r = d.reply();
        if (r.stable() && r.membersByRank().size() != r.size()) {
            violations.add("t=" + now + "us: stable reply with wrong members: " + r);
        }
    }

    private void checkIntervals() {
        List<Interval> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparingInt(Interval::rank).thenComparingLong(Interval::fromUs));
        for (int i = 0; i < sorted.size(); i++) {
            Interval a = sorted.get(i);
            for (int j = i + 1; j < sorted.size(); j++) {
                Interval b = sorted.get(j);
                if (b.rank() != a.rank() || b.fromUs() >= a.untilUs()) {
                    break;
                }
                if (!b.member().equals(a.member())) {
                    violations.add("rank " + a.rank() + " acted on by two members at once: " + a + " and " + b);
                }
            }
        }
    }

    private void checkConverged() {
        List<Sim> alive = alive();
        int n = alive.size();
        if (db.members().size() != n) {
            violations.add(
                    "not converged: database has " + db.members().size() + " rows, " + n + " live members: " + db);
            return;
        }
        Set<Integer> ranks = new HashSet<>();
        Set<Long> epochs = new HashSet<>();
        for (Sim s : alive) {
            Lease l = s.core.lease(s.local(now)).orElse(null);
            if (l == null || !l.stable() || l.size() != n) {
                violations.add("not converged: member " + s.id + " has lease " + l + " with " + n + " members");
                return;
            }
            ranks.add(l.rank());
            epochs.add(l.epoch());
        }
        if (ranks.size() != n
                || (n > 0 && (ranks.stream().mapToInt(i -> i).max().orElse(-1) != n - 1))
                || epochs.size() > 1) {
            violations.add("not converged: ranks " + ranks + " epochs " + epochs);
        }
    }

    @Override
    public String toString() {
        return "Simulation[seed=" + seed + ", " + config + "]";
    }
}
