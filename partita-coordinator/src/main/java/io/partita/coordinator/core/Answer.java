package io.partita.coordinator.core;

/**
 * One answer of a task attempt, as a {@link CompletionPolicy} compares it.
 *
 * @param lease the attempt that gave it
 * @param host who gave it: answers from one host never form a quorum
 * @param digest a digest of the answer's canonical bytes; equal digests are matching answers
 * @param payload what the shell needs to make the answer durable (opaque to the core)
 * @param vouched whether it counts as validated on its own: it came from a local or trusted worker,
 *     or from a host whose record let adaptive replication skip the check of this task
 */
public record Answer(Lease lease, String host, long digest, Object payload, boolean vouched) {}
