package io.partita.coordinator.local;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before restarting a local worker process that died: a process that ran for at
 * least {@link #STABLE} is restarted after {@link #FIRST}; each death sooner than that doubles the
 * wait, up to {@link #MAX}, with ±20% jitter so that several processes dying together do not
 * restart in step. From {@link #CRASH_LOOP} quick deaths in a row the process is crash-looping (the
 * supervisor says so in the log). Not thread-safe: one per supervised process, used by its thread.
 */
final class RestartBackoff {
    /** The wait after a death that ended a stable run. */
    static final Duration FIRST = Duration.ofMillis(500);

    /** The longest wait. */
    static final Duration MAX = Duration.ofSeconds(30);

    /** A process that ran this long is stable: its death resets the wait. */
    static final Duration STABLE = Duration.ofSeconds(30);

    /** Quick deaths in a row from which a process counts as crash-looping. */
    static final int CRASH_LOOP = 3;

    private final DoubleSupplier random;
    private int quickDeaths;

    /** A backoff drawing its jitter from {@code random} (values in [0, 1)). */
    RestartBackoff(DoubleSupplier random) {
        this.random = random;
    }

    /** Records a death after {@code uptime} and returns the wait before the restart. */
    Duration afterDeath(Duration uptime) {
        if (uptime.compareTo(STABLE) >= 0) {
            quickDeaths = 0;
        } else {
            quickDeaths++;
        }
        long base = FIRST.toMillis() << Math.min(16, Math.max(0, quickDeaths - 1));
        base = Math.min(base, MAX.toMillis());
        double jitter = 0.8 + 0.4 * random.getAsDouble();
        return Duration.ofMillis(Math.min(MAX.toMillis(), Math.round(base * jitter)));
    }

    /** Quick deaths in a row so far. */
    int quickDeaths() {
        return quickDeaths;
    }

    /** Whether the process has died quickly {@link #CRASH_LOOP} times or more in a row. */
    boolean crashLooping() {
        return quickDeaths >= CRASH_LOOP;
    }
}
