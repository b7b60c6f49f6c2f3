package io.partita.coordinator.wire;

import io.partita.protocol.Message;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Bounds what one worker connection's failed task attempts can do (issue 18): before, a worker that
 * failed every task it took got each task back again and again until the task's attempts were
 * spent, and so failed any job on its own.
 *
 * <p>Two rules, applied to each {@code results} message before the scheduler sees it; breaking one
 * closes the connection with 1008 naming it, and the failures of that message are not counted
 * (their leases go back to the queue with the connection):
 *
 * <ul>
 *   <li><b>A connection fails a task once.</b> Its first failure of a task counts against the
 *       task's attempts as always; failing the same task (job, level, index) again closes it. So one
 *       connection spends at most one attempt of each task, and failing a job takes as many
 *       connections as the job allows attempts (bounded by {@code connections-per-minute} and
 *       {@code max-connections-per-ip}). A job whose code fails everywhere still fails: a worker
 *       that got a failed task back reconnects, and its next failure counts.
 *   <li><b>At most {@code max-task-failures-per-minute} failures a minute.</b>
 * </ul>
 *
 * Grid calls' and log tasks' failures are left alone (a call's failure is its function's answer).
 * The coordinator's own local worker is not judged. Not thread-safe: one per connection, used on
 * its reading thread.
 */
final class FailureGuard {
    /** Most task keys remembered per connection; the oldest are forgotten beyond it. */
    static final int MAX_REMEMBERED = 10_000;

    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final int perMinute;
    private final LongSupplier nanos;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private final LinkedHashSet<String> failedTasks = new LinkedHashSet<>();

    /**
     * @param perMinute most failures a minute; 0 means no limit (the once-per-task rule still holds)
     * @param nanos the clock
     */
    FailureGuard(int perMinute, LongSupplier nanos) {
        this.perMinute = perMinute;
        this.nanos = nanos;
    }

    /** Judges one results message: empty if it may go on, else why the connection is closed. */
    Optional<String> judge(Message.Results message) {
        long now = nanos.getAsLong();
        for (Message.Result r : message.results()) {
            if (r.ok() || r.level() < -1) { // jobs' tasks and prepare; not calls (-3) or log tasks (-2)
                continue;
            }
            recent.addLast(now);
            while (!recent.isEmpty() && now - recent.peekFirst() > MINUTE_NANOS) {
                recent.removeFirst();
            }
            if (perMinute > 0 && recent.size() > perMinute) {
                return Optional.of(
                        "more than " + perMinute + " failed tasks in a minute (max-task-failures-per-minute)");
            }
            String key = r.job() + '/' + r.level() + '/' + r.index();
            if (!failedTasks.add(key)) {
                return Optional.of("failed task " + cut(key) + " a second time (a connection fails a task once)");
            }
            if (failedTasks.size() > MAX_REMEMBERED) {
                failedTasks.removeFirst();
            }
        }
        return Optional.empty();
    }

    private static String cut(String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
