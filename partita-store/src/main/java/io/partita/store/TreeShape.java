package io.partita.store;

import java.util.BitSet;

/**
 * The shape of a job's combine tree: level 0 holds the partitions; node {@code i} of level {@code
 * k > 0} combines nodes {@code [i * fanIn, min((i + 1) * fanIn, size(k - 1)))} of level {@code k -
 * 1}, left to right; the top level has one node, whose output is the job's result. A job of one
 * partition has a single level. The shape depends only on the partition count and fan-in, so the
 * result is the same however the work was spread. Immutable.
 */
public final class TreeShape {
    /** Smallest allowed fan-in. */
    public static final int MIN_FAN_IN = 2;

    /** Largest allowed fan-in. */
    public static final int MAX_FAN_IN = 4096;

    private final int fanIn;
    private final long[] sizes;

    /**
     * Creates the shape for {@code partitions} partitions combined {@code fanIn} at a time.
     *
     * @throws IllegalArgumentException if partitions is below 1 or fan-in outside [2, 4096]
     */
    public TreeShape(long partitions, int fanIn) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        if (fanIn < MIN_FAN_IN || fanIn > MAX_FAN_IN) {
            throw new IllegalArgumentException(
                    "fanIn must be between " + MIN_FAN_IN + " and " + MAX_FAN_IN + ", was " + fanIn);
        }
        this.fanIn = fanIn;
        int levels = 1;
        for (long n = partitions; n > 1; n = (n + fanIn - 1) / fanIn) {
            levels++;
        }
        sizes = new long[levels];
        long n = partitions;
        for (int level = 0; level < levels; level++) {
            sizes[level] = n;
            n = (n + fanIn - 1) / fanIn;
        }
    }

    /** The fan-in. */
    public int fanIn() {
        return fanIn;
    }

    /** The number of levels, at least 1. */
    public int levels() {
        return sizes.length;
    }

    /** The top level, whose single node is the result. */
    public int top() {
        return sizes.length - 1;
    }

    /** The number of nodes at {@code level}. */
    public long size(int level) {
        return sizes[level];
    }

    /** The first child (at level - 1) of node {@code index} at {@code level > 0}. */
    public long firstChild(long index) {
        return index * fanIn;
    }

    /** The exclusive end of the children (at level - 1) of node {@code index} at {@code level}. */
    public long endChild(int level, long index) {
        return Math.min((index + 1) * fanIn, sizes[level - 1]);
    }

    /** The parent index (at level + 1) of node {@code index}. */
    public long parent(long index) {
        return index / fanIn;
    }

    /**
     * Turns the set of stored nodes into the set of complete nodes per level: a stored node and its
     * whole subtree are complete. {@code stored[k]} holds the indexes stored at level k and is
     * updated in place.
     */
    public BitSet[] complete(BitSet[] stored) {
        if (stored.length != sizes.length) {
            throw new IllegalArgumentException("expected " + sizes.length + " levels, got " + stored.length);
        }
        for (int level = top(); level > 0; level--) {
            BitSet below = stored[level - 1];
            BitSet here = stored[level];
            for (int i = here.nextSetBit(0); i >= 0; i = here.nextSetBit(i + 1)) {
                below.set((int) firstChild(i), (int) endChild(level, i));
            }
        }
        return stored;
    }
}
