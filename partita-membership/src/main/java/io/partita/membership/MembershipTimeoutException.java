package io.partita.membership;

/**
 * Thrown when a wait such as {@link Membership#awaitStable(java.time.Duration)} does not succeed
 * within its timeout. The message carries a snapshot of the member's view at the time of the
 * timeout, and {@link #lastView()} returns it.
 */
public final class MembershipTimeoutException extends MembershipException {
    private static final long serialVersionUID = 1L;

    private final transient View lastView;

    /**
     * Creates a timeout exception.
     *
     * @param message what was awaited and for how long
     * @param lastView the member's view when the wait gave up
     */
    public MembershipTimeoutException(String message, View lastView) {
        super(message + "; last view: " + lastView);
        this.lastView = lastView;
    }

    /**
     * The member's view when the wait gave up.
     *
     * @return the last view seen, never null
     */
    public View lastView() {
        return lastView;
    }
}
