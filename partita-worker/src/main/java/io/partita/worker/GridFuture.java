package io.partita.worker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a grid call made by a task. Waiting on it ({@link #get()}, {@link #join()}, also on
 * futures derived from it with {@code then...}) suspends the task: its slot runs other work until the
 * answer comes. That is what lets a grid whose every slot waits for sub-calls make progress.
 */
final class GridFuture<T> extends CompletableFuture<T> {

    /** The task a call belongs to: told when it starts and stops waiting. */
    interface Waiter {
        void waiting();

        void running();
    }

    private final Waiter waiter;

    GridFuture(Waiter waiter) {
        this.waiter = waiter;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new GridFuture<>(waiter);
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (isDone()) {
            return super.get();
        }
        waiter.waiting();
        try {
            return super.get();
        } finally {
            waiter.running();
        }
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (isDone()) {
            return super.get(timeout, unit);
        }
        waiter.waiting();
        try {
            return super.get(timeout, unit);
        } finally {
            waiter.running();
        }
    }

    @Override
    public T join() {
        if (isDone()) {
            return super.join();
        }
        waiter.waiting();
        try {
            return super.join();
        } finally {
            waiter.running();
        }
    }
}
