package io.partita.membership;

import java.time.Duration;

/** Simulated work for tests: burns a little time without sleeping. */
final class LockSupportWork {
    private LockSupportWork() {}

    static void spin(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
