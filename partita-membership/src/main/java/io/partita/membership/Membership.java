package io.partita.membership;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * A member of a group of processes (or threads) that share a database and negotiate the number N of
 * live members and a unique rank in {@code [0, N)} for each.
 *
 * <p>Join with {@link #join(DataSource, UUID, MembershipOptions)}; the member then renews a lease
 * on the database every heartbeat and follows changes of the group on its own. No two members act
 * on the same rank at overlapping times: a member acts only while it holds a live lease, measured
 * so that it stops acting before anyone else can take its rank (see {@code docs/membership.md}).
 * {@link #close()} leaves the group at once; {@link #abort()} stops without telling the database,
 * as a crash would.
 *
 * <pre>{@code
 * try (Membership m = Membership.join(dataSource, groupId, MembershipOptions.defaults())) {
 *   m.onChange(view -> log.info("{}", view));
 *   m.runEvery(Duration.ofSeconds(5), (rank, size, epoch) -> doMyShare(rank, size));
 *   View v = m.awaitStable(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface Membership extends AutoCloseable {

    /**
     * Joins a group: creates or upgrades the library's tables if needed, and starts the member's
     * heartbeat. Returns at once; use {@link #awaitStable(Duration)} to wait for a rank.
     *
     * @param dataSource where the group lives (PostgreSQL or SQLite)
     * @param group the group to join; groups never interfere with each other
     * @param options the member's configuration
     * @return the running member
     * @throws MembershipException if the schema cannot be created or the database is not supported
     */
    static Membership join(DataSource dataSource, UUID group, MembershipOptions options) {
        return join(dataSource, group, options, MembershipClock.SYSTEM);
    }

    /**
     * Joins a group with an injected clock (for tests).
     *
     * @param dataSource where the group lives (PostgreSQL or SQLite)
     * @param group the group to join
     * @param options the member's configuration
     * @param clock the member's local clocks
     * @return the running member
     * @throws MembershipException if the schema cannot be created or the database is not supported
     */
    static Membership join(DataSource dataSource, UUID group, MembershipOptions options, MembershipClock clock) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(clock, "clock");
        JdbcMembership m = new JdbcMembership(dataSource, group, options, clock);
        m.start();
        return m;
    }

    /**
     * The group this member belongs to.
     *
     * @return the group's identifier
     */
    UUID group();

    /**
     * This member's identifier, random and unique per join.
     *
     * @return the member identifier
     */
    String memberId();

    /**
     * The member's current view. The state is evaluated now, so a member whose lease lapsed reports
     * {@link MemberState#FENCED} even if its heartbeat thread is blocked.
     *
     * @return the current view, never null
     */
    View view();

    /**
     * Whether the member holds a live lease at {@code epoch} at this instant: a check to make before
     * each externally visible step of long work.
     *
     * @param epoch the epoch the work was started with
     * @return true if the member is ACTIVE at that epoch now
     */
    boolean holds(long epoch);

    /**
     * Registers a listener called with each new view (changes of state, rank, size, epoch or
     * stability), in order, on one notification thread. The listener is called at once with the
     * current view.
     *
     * @param listener the listener; exceptions it throws are logged
     * @return a subscription to cancel the listener
     */
    Subscription onChange(Consumer<? super View> listener);

    /**
     * Runs {@code work} every {@code interval} while this member holds a rank, staggered by rank:
     * member r of N runs at offset {@code interval * r / N} within each interval (aligned to the wall
     * clock, so members of one machine interleave). Invocations never overlap; one that overruns its
     * slot delays the next. The work is told when the member fences itself.
     *
     * @param interval the period, positive
     * @param work the work to run
     * @return a subscription to stop the schedule
     * @throws IllegalArgumentException if {@code interval} is not positive
     * @throws IllegalStateException if the member is closed
     */
    Subscription runEvery(Duration interval, PeriodicWork work);

    /**
     * Waits until this member is ACTIVE in a stable view, and returns that view.
     *
     * @param timeout the longest wait
     * @return the stable view
     * @throws MembershipTimeoutException if no stable view was reached in time (it carries the last
     *     view)
     * @throws MembershipException if the member is closed or the waiting thread is interrupted (the
     *     interrupt flag is restored)
     */
    View awaitStable(Duration timeout);

    /**
     * Leaves the group gracefully: stops periodic work (waiting up to one lease timeout for running
     * work to finish), stops acting, and deletes the member's row so that the others renegotiate at
     * once. Idempotent. If the database cannot be reached, the row expires after the lease timeout.
     */
    @Override
    void close();

    /**
     * Stops at once without telling the database, as if the process had crashed: the member stops
     * acting immediately and its row expires after the lease timeout. Idempotent.
     */
    void abort();
}
