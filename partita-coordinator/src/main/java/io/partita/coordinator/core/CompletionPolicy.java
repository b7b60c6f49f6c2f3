package io.partita.coordinator.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Says when a task with one or more answers is done. {@link #FIRST_ANSWER} (one answer, the first
 * wins) is what every task uses today; {@link #quorum} asks for {@code k} matching answers from
 * {@code k} distinct hosts, running further replicas on a mismatch up to a bound. Implementations
 * are immutable and pure.
 */
public interface CompletionPolicy {
    /** How many attempts of a task run at once at first (k). */
    int replicas();

    /** The most answers a task may collect before it fails for want of agreement. */
    int maxReplicas();

    /**
     * Decides on the answers a task has so far (at least one; all from distinct hosts).
     *
     * @return the answer to record, {@code null} to wait for (or start) another replica
     */
    Answer decide(List<Answer> answers);

    /** One answer, accepted as it comes. */
    CompletionPolicy FIRST_ANSWER = new CompletionPolicy() {
        @Override
        public int replicas() {
            return 1;
        }

        @Override
        public int maxReplicas() {
            return 1;
        }

        @Override
        public Answer decide(List<Answer> answers) {
            return answers.get(0);
        }

        @Override
        public String toString() {
            return "first-answer";
        }
    };

    /**
     * {@code k} matching answers (equal digests) from {@code k} distinct hosts; at most {@code max}
     * answers in all.
     *
     * @throws IllegalArgumentException unless {@code 1 <= k <= max <= 16}
     */
    static CompletionPolicy quorum(int k, int max) {
        if (k < 1 || max < k || max > 16) {
            throw new IllegalArgumentException("quorum needs 1 <= k <= max <= 16, was k=" + k + " max=" + max);
        }
        return new CompletionPolicy() {
            @Override
            public int replicas() {
                return k;
            }

            @Override
            public int maxReplicas() {
                return max;
            }

            @Override
            public Answer decide(List<Answer> answers) {
                for (Answer candidate : answers) {
                    Set<String> hosts = new HashSet<>();
                    for (Answer a : answers) {
                        if (a.digest() == candidate.digest()) {
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
                return "quorum(" + k + " of at most " + max + ")";
            }
        };
    }
}
