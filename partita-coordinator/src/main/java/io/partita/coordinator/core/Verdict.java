package io.partita.coordinator.core;

/** What the core made of one answer or failure a worker reported. */
public enum Verdict {
    /** The answer is accepted: the task is COMMITTING and the shell makes it durable. */
    ACCEPTED,
    /** The answer is kept, but the task's policy wants more answers before it is done. */
    RECORDED,
    /** A failed attempt was counted; the task runs again or, past its attempts, its work failed. */
    FAILED,
    /** The holder held the attempt, but it no longer counts (task closed, work ended, stale). */
    IGNORED,
    /** The holder does not hold that attempt: it may not complete the task. */
    NOT_HELD
}
