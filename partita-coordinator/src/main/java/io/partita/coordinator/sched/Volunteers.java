package io.partita.coordinator.sched;

import io.partita.coordinator.core.Answer;
import io.partita.coordinator.core.Holder;
import io.partita.coordinator.core.Reputation;
import io.partita.coordinator.core.Work;
import io.partita.store.HostRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The record and credit of every host that answered (docs/verification.md): the {@link Reputation}
 * the core's adaptive replication trusts, plus what the leaderboard shows. Credit is granted only
 * for validated answers, by their measured cost: a replica's claimed computing time, capped by the
 * median of the matching replicas' claims, so that a cheater cannot claim more than its honest peers;
 * an answer accepted on its host's record alone is capped by the typical validated cost of the work.
 * One credit is one second of computing. Guarded by the scheduler's lock; records changed since the
 * last {@link #drainDirty()} are saved by the scheduler's sweep.
 */
final class Volunteers {
    /** One host's record, as kept in memory. */
    static final class Host {
        final Reputation reputation;
        String displayName;
        long errors;
        long cpuMillis;
        double credit;
        long updatedAt;

        Host(Reputation reputation) {
            this.reputation = reputation;
        }

        HostRecord toRecord() {
            return new HostRecord(
                    reputation.key,
                    displayName,
                    reputation.validated(),
                    reputation.invalid(),
                    reputation.unchecked(),
                    reputation.consecutive(),
                    errors,
                    cpuMillis,
                    credit,
                    updatedAt);
        }
    }

    private final Map<String, Host> hosts = new HashMap<>();
    private final Set<Host> dirty = new LinkedHashSet<>();
    /** The typical validated cost of one task, per work (milliseconds), to cap unchecked claims. */
    private final Map<String, Double> typicalMillis = new HashMap<>();

    /** The host under {@code key}, from {@code stored} if it is not in memory yet. */
    Host host(String key, Optional<HostRecord> stored) {
        return hosts.computeIfAbsent(key, k -> {
            if (stored.isEmpty()) {
                return new Host(new Reputation(k));
            }
            HostRecord r = stored.get();
            Host h = new Host(new Reputation(k, r.validated(), r.invalid(), r.unchecked(), r.consecutive()));
            h.displayName = r.displayName();
            h.errors = r.errors();
            h.cpuMillis = r.cpuMillis();
            h.credit = r.credit();
            h.updatedAt = r.updatedAt();
            return h;
        });
    }

    /** The host in memory under {@code key}, if any. */
    Optional<Host> find(String key) {
        return Optional.ofNullable(hosts.get(key));
    }

    /** Grants credit for a decided task; the core updated the reputations already. */
    void decided(Work work, List<Answer> answers, Answer chosen, long now) {
        for (Answer a : answers) {
            touch(a.lease().holder, now).cpuMillis += millis(a);
        }
        if (chosen == null) {
            return;
        }
        long[] matching = answers.stream()
                .filter(a -> work.policy().agree(a, chosen))
                .mapToLong(Volunteers::millis)
                .sorted()
                .toArray();
        boolean alone = matching.length == 1;
        double cap;
        if (alone) {
            Double typical = typicalMillis.get(work.id);
            cap = typical == null ? Math.min(millis(chosen), work.timeout().toMillis()) : typical;
        } else {
            double median = median(matching);
            typicalMillis.merge(work.id, median, (old, m) -> old * 0.9 + m * 0.1);
            cap = median;
        }
        for (Answer a : answers) {
            if (work.policy().agree(a, chosen)) {
                Host h = touch(a.lease().holder, now);
                h.credit += Math.min(millis(a), cap) / 1000.0;
            }
        }
    }

    /** Counts a failed attempt of a holder's host. */
    void failed(Holder holder, long now) {
        touch(holder, now).errors++;
    }

    /** Forgets what was kept per work once it ended. */
    void ended(Work work) {
        typicalMillis.remove(work.id);
    }

    /** Sets a host's display name. */
    void name(String key, String displayName, long now) {
        Host h = hosts.get(key);
        if (h != null) {
            h.displayName = displayName;
            h.updatedAt = now;
            dirty.add(h);
        }
    }

    /**
     * Forgets the records of hosts with no connection whose changes were saved; the store has
     * them. Bounds the map by the hosts connected plus those changed since the last save.
     */
    void prune(Set<String> connected) {
        hosts.values().removeIf(h -> !dirty.contains(h) && !connected.contains(h.reputation.key));
    }

    /** The records changed since the last call, to be saved. */
    List<HostRecord> drainDirty() {
        if (dirty.isEmpty()) {
            return List.of();
        }
        List<HostRecord> out = new ArrayList<>(dirty.size());
        for (Host h : dirty) {
            out.add(h.toRecord());
        }
        dirty.clear();
        return out;
    }

    /** Marks records as changed again after a save failed. */
    void retry(List<HostRecord> records) {
        for (HostRecord r : records) {
            Host h = hosts.get(r.key());
            if (h != null) {
                dirty.add(h);
            }
        }
    }

    /** In-memory records, for views that must show what is not saved yet. */
    List<HostRecord> snapshot() {
        // a host that connected but was never judged or credited has nothing to show yet
        return hosts.values().stream()
                .filter(h -> h.updatedAt > 0)
                .map(Host::toRecord)
                .toList();
    }

    private Host touch(Holder holder, long now) {
        Host h = hosts.computeIfAbsent(holder.reputation.key, k -> new Host(holder.reputation));
        h.updatedAt = now;
        dirty.add(h);
        return h;
    }

    private static long millis(Answer a) {
        return a.payload() instanceof Scheduler.ResultAnswer r
                ? Math.max(0, r.result().millis())
                : 0;
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
