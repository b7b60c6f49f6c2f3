package io.partita.coordinator.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.core.CompletionPolicy;
import java.util.Locale;

/**
 * How a job's answers are verified (docs/verification.md), from its options {@code verification},
 * {@code quorum}, {@code maxReplicas} and {@code trustAfter}.
 *
 * @param mode {@code none} or {@code trusted-only} (only local and trusted workers run it),
 *     {@code quorum} (k matching answers from k distinct hosts) or {@code adaptive} (a quorum until a
 *     host has a run of validated answers, then spot checks); default adaptive
 * @param quorum k, between 2 and 5; default 2
 * @param maxReplicas the most answers a task collects before it fails for want of agreement,
 *     between k and 16; default 5
 * @param trustAfter validated answers in a row after which adaptive replication trusts a host,
 *     between 1 and 1000; default 10
 * @param tolerance the relative difference within which numbers in two answers agree (floating
 *     point of different engines), between 0 and 0.1; default 0: answers agree only when their
 *     canonical JSON is identical
 */
public record Verification(Mode mode, int quorum, int maxReplicas, int trustAfter, double tolerance) {
    /** The policies. */
    public enum Mode {
        NONE,
        TRUSTED_ONLY,
        QUORUM,
        ADAPTIVE;

        /** The option's spelling. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The default of a job untrusted workers may run. */
    public static final Verification DEFAULT = new Verification(Mode.ADAPTIVE, 2, 5, 10, 0);

    /** Only local and trusted workers run it. */
    public static final Verification TRUSTED_ONLY = new Verification(Mode.TRUSTED_ONLY, 2, 5, 10, 0);

    /** The option names this record reads. */
    static final java.util.Set<String> OPTIONS =
            java.util.Set.of("verification", "quorum", "maxReplicas", "trustAfter", "tolerance");

    /** The policy the scheduler's core applies, with exact agreement. */
    public CompletionPolicy policy() {
        return policy(a -> null);
    }

    /**
     * The policy the scheduler's core applies; with a tolerance, two answers agree when their
     * outputs ({@code output} reads one from an answer) agree within it.
     */
    public CompletionPolicy policy(java.util.function.Function<io.partita.coordinator.core.Answer, JsonNode> output) {
        java.util.function.BiPredicate<io.partita.coordinator.core.Answer, io.partita.coordinator.core.Answer>
                agreement = tolerance > 0
                        ? (a, b) -> io.partita.coordinator.common.JsonTolerance.agree(
                                output.apply(a), output.apply(b), tolerance)
                        : null;
        return switch (mode) {
            case NONE, TRUSTED_ONLY -> CompletionPolicy.trustedOnly();
            case QUORUM -> CompletionPolicy.quorum(quorum, maxReplicas, 0, agreement);
            case ADAPTIVE -> CompletionPolicy.quorum(quorum, maxReplicas, trustAfter, agreement);
        };
    }

    /** Whether untrusted workers may run the job. */
    public boolean untrustedMayRun() {
        return mode == Mode.QUORUM || mode == Mode.ADAPTIVE;
    }

    /** Reads the options (absent ones take their defaults); a bad one is refused naming it. */
    static Verification parse(JsonNode options) {
        if (options == null) {
            return DEFAULT;
        }
        Mode mode = DEFAULT.mode;
        JsonNode m = options.get("verification");
        if (m != null && !m.isNull()) {
            mode = null;
            if (m.isTextual()) {
                for (Mode candidate : Mode.values()) {
                    if (candidate.wireName().equals(m.textValue())) {
                        mode = candidate;
                    }
                }
            }
            if (mode == null) {
                throw PartitaException.invalid(
                        "options.verification",
                        "options.verification must be one of none, trusted-only, quorum, adaptive; was " + m);
            }
        }
        int quorum = SpecRules.intOption(options, "quorum", DEFAULT.quorum, 2, 5, "options.");
        int max = SpecRules.intOption(
                options, "maxReplicas", Math.max(DEFAULT.maxReplicas, quorum), quorum, 16, "options.");
        int trustAfter = SpecRules.intOption(options, "trustAfter", DEFAULT.trustAfter, 1, 1000, "options.");
        double tolerance = 0;
        JsonNode t = options.get("tolerance");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || t.doubleValue() < 0 || t.doubleValue() > 0.1) {
                throw PartitaException.invalid(
                        "options.tolerance",
                        "options.tolerance must be a number between 0 and 0.1 (a relative difference), was " + t);
            }
            tolerance = t.doubleValue();
        }
        return new Verification(mode, quorum, max, trustAfter, tolerance);
    }

    /** Writes the options as the store keeps them. */
    void write(ObjectNode options) {
        options.put("verification", mode.wireName());
        if (untrustedMayRun()) {
            options.put("quorum", quorum);
            options.put("maxReplicas", maxReplicas);
            if (mode == Mode.ADAPTIVE) {
                options.put("trustAfter", trustAfter);
            }
            if (tolerance > 0) {
                options.put("tolerance", tolerance);
            }
        }
    }
}
