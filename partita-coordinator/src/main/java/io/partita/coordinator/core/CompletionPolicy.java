package io.partita.coordinator.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Says who may run a task and when a task with one or more answers is done: the verification
 * policy of a work. Implementations are immutable and pure.
 *
 * <ul>
 *   <li>{@link #FIRST_ANSWER}: anyone, one answer, the first wins (log tasks).
 *   <li>{@link #trustedOnly()}: only local and trusted workers run it; one answer.
 *   <li>{@link #quorum}: {@code k} matching answers from {@code k} distinct hosts, more replicas on
 *       a mismatch up to a bound; an answer from a local or trusted worker settles it alone.
 *   <li>{@link #adaptive}: a quorum, except that a host with a run of validated answers gets a task
 *       alone, and only a falling fraction of its tasks is checked against another host.
 * </ul>
 */
public interface CompletionPolicy {
    /** How many attempts of a task run at once at first (k). */
    int replicas();

    /** The most answers a task may collect before it fails for want of agreement. */
    int maxReplicas();

    /** Whether a holder of that trust may run tasks of the work. */
    default boolean admits(Trust trust) {
        return true;
    }

    /**
     * The probability that a task leased first to a host with that record is checked against
     * another host; 1 means always (no adaptive replication).
     */
    default double checkProbability(Reputation reputation) {
        return 1.0;
    }

    /**
     * Whether two answers agree: by default when their digests are equal; a policy with a tolerance
     * compares their payloads instead.
     */
    default boolean agree(Answer a, Answer b) {
        return a.digest() == b.digest();
    }

    /**
     * Decides on the answers a task has so far (at least one; all from distinct hosts).
     *
     * @return the answer to record, {@code null} to wait for (or start) another replica
     */
    Answer decide(List<Answer> answers);

    /** One answer from anyone, accepted as it comes. */
    CompletionPolicy FIRST_ANSWER = new OneAnswer(false);

    /** One answer, from a local or trusted worker only. */
    static CompletionPolicy trustedOnly() {
        return OneAnswer.TRUSTED_ONLY;
    }

    /**
     * {@code k} matching answers (equal digests) from {@code k} distinct hosts, or one answer that
     * vouches for itself (a local or trusted worker's); at most {@code max} answers in all.
     *
     * @throws IllegalArgumentException unless {@code 1 <= k <= max <= 16}
     */
    static CompletionPolicy quorum(int k, int max) {
        return new Quorum(k, max, 0, null);
    }

    /** {@link #quorum} or {@link #adaptive} (trustAfter > 0) whose answers agree as {@code agreement} says. */
    static CompletionPolicy quorum(
            int k, int max, int trustAfter, java.util.function.BiPredicate<Answer, Answer> agreement) {
        return new Quorum(k, max, trustAfter, agreement);
    }

    /**
     * A quorum of {@code k} (at most {@code max} answers) until a host has {@code trustAfter}
     * validated answers in a row; from then on its tasks are checked with probability {@code
     * max(minCheck, 2 / (run - trustAfter + 2))}, and any invalid answer resets its run.
     */
    static CompletionPolicy adaptive(int k, int max, int trustAfter) {
        if (trustAfter < 1) {
            throw new IllegalArgumentException("trustAfter must be at least 1, was " + trustAfter);
        }
        return new Quorum(k, max, trustAfter, null);
    }

    /** The least fraction of a trusted-by-record host's tasks that adaptive replication still checks. */
    double MIN_CHECK = 0.05;

    /** See {@link #FIRST_ANSWER} and {@link #trustedOnly()}: one answer, from anyone or from trusted holders. */
    record OneAnswer(boolean trustedOnly) implements CompletionPolicy {
        static final OneAnswer TRUSTED_ONLY = new OneAnswer(true);

        @Override
        public int replicas() {
            return 1;
        }

        @Override
        public int maxReplicas() {
            return 1;
        }

        @Override
        public boolean admits(Trust trust) {
            return !trustedOnly || trust.vouches();
        }

        @Override
        public Answer decide(List<Answer> answers) {
            return answers.get(0);
        }

        @Override
        public String toString() {
            return trustedOnly ? "trusted-only" : "first-answer";
        }
    }

    /** See {@link #quorum} and {@link #adaptive}. */
    record Quorum(int k, int max, int trustAfter, java.util.function.BiPredicate<Answer, Answer> agreement)
            implements CompletionPolicy {
        public Quorum {
            if (k < 1 || max < k || max > 16) {
                throw new IllegalArgumentException("quorum needs 1 <= k <= max <= 16, was k=" + k + " max=" + max);
            }
            if (trustAfter < 0) {
                throw new IllegalArgumentException("trustAfter must not be negative, was " + trustAfter);
            }
        }

        @Override
        public boolean agree(Answer a, Answer b) {
            return agreement == null ? a.digest() == b.digest() : a.digest() == b.digest() || agreement.test(a, b);
        }

        @Override
        public int replicas() {
            return k;
        }

        @Override
        public int maxReplicas() {
            return max;
        }

        @Override
        public double checkProbability(Reputation reputation) {
            if (trustAfter == 0 || reputation == null || reputation.consecutive < trustAfter) {
                return 1.0;
            }
            return Math.max(MIN_CHECK, 2.0 / (reputation.consecutive - trustAfter + 2));
        }

        @Override
        public Answer decide(List<Answer> answers) {
            for (Answer a : answers) {
                if (a.vouched()) {
                    return a;
                }
            }
            for (Answer candidate : answers) {
                Set<String> hosts = new HashSet<>();
                for (Answer a : answers) {
                    if (agree(a, candidate)) {
                        hosts.add(a.host());
                    }
                }
                if (hosts.size() >= k) {
                    return candidate;
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return trustAfter == 0
                    ? "quorum(" + k + " of at most " + max + ")"
                    : "adaptive(quorum " + k + " of at most " + max + ", trust after " + trustAfter + ")";
        }
    }
}
