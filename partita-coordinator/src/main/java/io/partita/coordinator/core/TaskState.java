package io.partita.coordinator.core;

/**
 * The states of a task, as bytes so that a million tasks cost a byte each. Every task moves
 *
 * <pre>
 *   PENDING --lease--> LEASED --answer accepted--> COMMITTING --durable--> DONE
 *      ^                  |                             |
 *      +--lost, timed out, failed (retries left)--+  <--+ commit failed
 *
 *   any open state --work failed or cancelled--> FAILED / CANCELLED   (the work's arrays are freed)
 * </pre>
 *
 * A task that needs several answers (see {@link CompletionPolicy}) stays PENDING while it needs
 * more replicas in flight and is LEASED once enough are running.
 */
public final class TaskState {
    /** Waiting for a lease. */
    public static final byte PENDING = 0;

    /** Leased to as many attempts as it needs. */
    public static final byte LEASED = 1;

    /** Its answer was accepted and is being made durable; every other attempt is ignored. */
    public static final byte COMMITTING = 2;

    /** Its answer is durable. */
    public static final byte DONE = 3;

    /** It failed for good (its work failed). */
    public static final byte FAILED = 4;

    /** Its work was cancelled. */
    public static final byte CANCELLED = 5;

    private TaskState() {}

    /** The state's name, for messages and tests. */
    public static String name(byte state) {
        return switch (state) {
            case PENDING -> "pending";
            case LEASED -> "leased";
            case COMMITTING -> "committing";
            case DONE -> "done";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            default -> "state " + state;
        };
    }
}
