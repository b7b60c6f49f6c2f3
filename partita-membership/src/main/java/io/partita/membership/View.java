package io.partita.membership;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * An immutable snapshot of one member's knowledge of its group.
 *
 * <p>When {@link #state()} is {@link MemberState#ACTIVE}, the member holds a live lease on {@link
 * #rank()} in a group of {@link #size()} members as agreed at {@link #epoch()}; otherwise {@link
 * #rank()} is {@link #NO_RANK} and the member must not act. A view is {@link #stable()} when every
 * live member has acknowledged the current epoch and holds its assigned rank; in a stable view the
 * ranks of the members are exactly {@code 0..size-1}.
 *
 * @param group the group's identifier
 * @param memberId this member's identifier (random, unique per join)
 * @param state where this member stands
 * @param rank this member's rank in {@code [0, size)}, or {@link #NO_RANK} unless ACTIVE
 * @param size the number N of live members at {@link #epoch()}, or 0 before the first exchange
 * @param epoch the group's epoch for this assignment; increases with every change of membership or
 *     ranks, 0 before the first exchange
 * @param stable whether every live member has acknowledged this epoch
 * @param members member identifiers indexed by assigned rank ({@code members.get(r)} is assigned
 *     rank r at this epoch); empty before the first exchange
 */
public record View(
        UUID group,
        String memberId,
        MemberState state,
        int rank,
        int size,
        long epoch,
        boolean stable,
        List<String> members) {

    /** The value of {@link #rank()} when the member holds no rank. */
    public static final int NO_RANK = -1;

    /** Validates and freezes the components. */
    public View {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(state, "state");
        members = List.copyOf(members);
        if (state == MemberState.ACTIVE && (rank < 0 || rank >= size)) {
            throw new IllegalArgumentException("rank must be in [0, " + size + ") for an ACTIVE view, was " + rank);
        }
        if (state != MemberState.ACTIVE && rank != NO_RANK) {
            throw new IllegalArgumentException("rank must be NO_RANK unless ACTIVE, was " + rank);
        }
    }

    /**
     * Whether this member may act on {@link #rank()} (its state is ACTIVE).
     *
     * @return true when ACTIVE
     */
    public boolean active() {
        return state == MemberState.ACTIVE;
    }

    @Override
    public String toString() {
        return group
                + ":["
                + (rank == NO_RANK ? "-" : Integer.toString(rank))
                + "/"
                + size
                + "] "
                + state
                + " epoch="
                + epoch
                + (stable ? " stable" : " unstable")
                + " member="
                + memberId;
    }
}
