package io.partita.membership;

/** Where a member stands, as seen by the member itself in its {@link View}. */
public enum MemberState {
    /** The member has not yet completed its first exchange with the database. */
    JOINING,
    /** The member holds a live lease on its rank and may act on it. */
    ACTIVE,
    /**
     * The member is in the group but holds no rank right now: it is moving to a new rank, or waiting
     * for the previous holder of its assigned rank to release it. It must not act.
     */
    TRANSITIONING,
    /**
     * The member could not renew its lease in time (database unreachable, process paused, very slow
     * transactions) and has stopped acting. It keeps trying to rejoin.
     */
    FENCED,
    /** The member has left the group, or was aborted. */
    CLOSED,
    /**
     * The member refuses to act because its clock disagrees, by more than the safety margin, with
     * the times most other members wrote in the database. Only possible where each process supplies
     * the database's clock (SQLite); see {@code docs/membership.md}. The member holds no rank and
     * writes nothing to the group; it keeps checking every heartbeat and rejoins once the clocks
     * agree.
     */
    CLOCK_SKEW
}
