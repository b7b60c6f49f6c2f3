package io.partita.protocol;

import java.time.Duration;

/** A ticker that moves only when told. Not thread-safe. */
final class FakeTicker implements Ticker {
    static final long MILLIS = 1_700_000_000_000L;
    private static final long START = 1_000_000_000L;
    private long nanos = START;

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public long millis() {
        return MILLIS + (nanos - START) / 1_000_000;
    }

    void advance(Duration d) {
        nanos += d.toNanos();
    }
}
