package io.partita.coordinator.core;

import java.util.Arrays;

/** A growable FIFO ring buffer of primitive longs, so queued task keys are not boxed. */
final class LongQueue {
    private long[] items = new long[16];
    private int head;
    private int size;

    void add(long value) {
        if (size == items.length) {
            long[] grown = new long[items.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = items[(head + i) & (items.length - 1)];
            }
            items = grown;
            head = 0;
        }
        items[(head + size) & (items.length - 1)] = value;
        size++;
    }

    /** Removes and returns the oldest value, or -1 if empty. */
    long poll() {
        if (size == 0) {
            return -1;
        }
        long value = items[head];
        head = (head + 1) & (items.length - 1);
        size--;
        return value;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void clear() {
        head = 0;
        size = 0;
        if (items.length > 1024) {
            items = new long[16];
        } else {
            Arrays.fill(items, 0);
        }
    }
}
