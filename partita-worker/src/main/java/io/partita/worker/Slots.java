package io.partita.worker;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs tasks at most {@code slots} at a time, where a task waiting for grid calls does not count: it
 * {@link #suspend() suspends} (its slot goes to the next queued task, on another thread) and {@link
 * #resume() resumes} when its calls are answered, ahead of any task not yet started (depth first:
 * work already begun finishes first). Threads are made on demand and kept while there is work; a
 * grid of waiting tasks costs one parked thread each.
 */
final class Slots {
    private final int slots;
    private final ExecutorService threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition free = lock.newCondition();
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private int running;
    private int resuming;
    private boolean shutdown;

    Slots(int slots, ThreadFactory factory) {
        this.slots = slots;
        this.threads = Executors.newCachedThreadPool(factory);
    }

    /** Queues a task; it starts when a slot is free. */
    void execute(Runnable task) {
        lock.lock();
        try {
            if (shutdown) {
                throw new RejectedExecutionException("stopped");
            }
            queue.add(task);
            startMore();
        } finally {
            lock.unlock();
        }
    }

    /** The calling task waits for something else: its slot is free for another task meanwhile. */
    void suspend() {
        lock.lock();
        try {
            running--;
            if (resuming > 0) {
                free.signal();
            } else {
                startMore();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The calling task, suspended, runs again: waits for a slot, before any queued task gets one. */
    void resume() {
        lock.lock();
        try {
            resuming++;
            try {
                while (running >= slots && !shutdown) {
                    free.awaitUninterruptibly();
                }
            } finally {
                resuming--;
            }
            running++;
        } finally {
            lock.unlock();
        }
    }

    /** Tasks running now (not counting suspended ones), and queued. */
    int[] load() {
        lock.lock();
        try {
            return new int[] {running, queue.size()};
        } finally {
            lock.unlock();
        }
    }

    /** Drops queued tasks and interrupts running ones; returns the queued ones. */
    List<Runnable> shutdownNow() {
        lock.lock();
        try {
            shutdown = true;
            List<Runnable> dropped = List.copyOf(queue);
            queue.clear();
            free.signalAll();
            threads.shutdownNow();
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Starts queued tasks while slots are free; called with the lock held. */
    private void startMore() {
        while (running + resuming < slots && !queue.isEmpty() && !shutdown) {
            Runnable first = queue.poll();
            running++;
            try {
                threads.execute(() -> loop(first));
            } catch (RejectedExecutionException e) {
                running--;
                return;
            }
        }
    }

    /** A thread runs tasks from the queue while its slot stays its own. */
    private void loop(Runnable first) {
        Runnable task = first;
        while (task != null) {
            try {
                task.run();
            } finally {
                lock.lock();
                try {
                    if (resuming > 0 || running > slots || shutdown) {
                        running--;
                        free.signal();
                        task = null;
                    } else {
                        task = queue.poll();
                        if (task == null) {
                            running--;
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
