package io.partita.coordinator.core;

/**
 * One accepted answer of a task attempt, as a {@link CompletionPolicy} compares it.
 *
 * @param lease the attempt that gave it
 * @param host who gave it: answers from one host never form a quorum
 * @param digest a digest of the answer's canonical bytes; equal digests are matching answers
 * @param payload what the shell needs to make the answer durable (opaque to the core)
 */
public record Answer(Lease lease, String host, long digest, Object payload) {}
