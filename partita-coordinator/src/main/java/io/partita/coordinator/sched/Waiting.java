package io.partita.coordinator.sched;

import io.partita.coordinator.core.Trust;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.coordinator.jobs.Verification;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why a live job gets no worker, for people: "no connected worker offers runtime js", "… function
 * X", "… has feature gpu", "waiting for a second host". It looks only at the connected workers'
 * offers (their hellos, trust and hosts) and the job's needs (runtime or function, requirements,
 * verification), with the same rules as {@link WorkerConn#canRun} and the completion policy's; it
 * decides nothing. Called under the scheduler's lock.
 */
final class Waiting {
    private Waiting() {}

    /** The reason no connected worker can take {@code job}'s tasks; empty if one can. */
    static Optional<String> reason(JobRun job, Collection<WorkerConn> workers) {
        List<WorkerConn> open = new ArrayList<>();
        for (WorkerConn w : workers) {
            if (!w.closed() && !w.holder.draining()) {
                open.add(w);
            }
        }
        if (open.isEmpty()) {
            return Optional.of("no worker is connected");
        }
        JobSpec spec = job.spec;
        List<WorkerConn> offering = new ArrayList<>();
        for (WorkerConn w : open) {
            boolean runs = spec.code().isPresent()
                    ? w.hello.runtimes().contains(spec.runtime())
                    : w.functions.contains(spec.function()) || spec.runtime().equals("query");
            if (runs) {
                offering.add(w);
            }
        }
        if (offering.isEmpty()) {
            return Optional.of(
                    spec.code().isPresent()
                            ? "no connected worker offers runtime " + spec.runtime()
                            : "no connected worker offers function " + spec.function());
        }
        List<WorkerConn> meeting = new ArrayList<>();
        for (WorkerConn w : offering) {
            if (spec.requirements().metBy(w.hello)) {
                meeting.add(w);
            }
        }
        if (meeting.isEmpty()) {
            return Optional.of("no connected worker meets its requirements (" + requirements(spec) + ")");
        }
        List<WorkerConn> joined = new ArrayList<>();
        for (WorkerConn w : meeting) {
            if (w.onlyJobs.isEmpty() || w.onlyJobs.contains(job.id)) {
                joined.add(w);
            }
        }
        if (joined.isEmpty()) {
            return Optional.of("the connected workers that could run it joined other jobs only");
        }
        Verification v = spec.verification();
        List<WorkerConn> admitted = new ArrayList<>();
        for (WorkerConn w : joined) {
            if (v.untrustedMayRun() || w.trust.vouches()) {
                admitted.add(w);
            }
        }
        if (admitted.isEmpty()) {
            return Optional.of(
                    "no trusted worker is connected (verification " + v.mode().wireName() + ")");
        }
        if (!v.untrustedMayRun()) {
            return Optional.empty();
        }
        // A quorum: k agreeing answers from k distinct hosts, unless a worker's answer counts alone
        // (it vouches for itself, or, adaptive, its host earned trust with a run of validated answers).
        Set<String> hosts = new HashSet<>();
        for (WorkerConn w : admitted) {
            if (w.trust.vouches()
                    || w.trust == Trust.LOCAL
                    || (v.mode() == Verification.Mode.ADAPTIVE
                            && w.holder.reputation.consecutive() >= v.trustAfter())) {
                return Optional.empty();
            }
            hosts.add(w.holder.host);
        }
        if (hosts.size() >= v.quorum()) {
            return Optional.empty();
        }
        int missing = v.quorum() - hosts.size();
        return Optional.of((missing == 1 && v.quorum() == 2
                        ? "waiting for a second host"
                        : "waiting for " + missing + " more host" + (missing == 1 ? "" : "s"))
                + ": a quorum of " + v.quorum() + " needs answers from " + v.quorum()
                + " different hosts, " + hosts.size() + " connected");
    }

    private static String requirements(JobSpec spec) {
        List<String> parts = new ArrayList<>();
        JobSpec.Requirements r = spec.requirements();
        if (!r.features().isEmpty()) {
            parts.add("features " + String.join(", ", r.features()));
        }
        if (r.cores() > 0) {
            parts.add(r.cores() + " cores");
        }
        if (r.memory() > 0) {
            parts.add((r.memory() >> 20) + " MiB of memory");
        }
        return String.join("; ", parts);
    }
}
