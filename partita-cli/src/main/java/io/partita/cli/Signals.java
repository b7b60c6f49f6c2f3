package io.partita.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM/SIGINT handling for the long-running commands ({@code server}, {@code worker}, {@code
 * bots}).
 *
 * <p>The first signal runs {@code graceful} on a new thread and the command's main thread, which
 * waits for its component to stop, returns normally, so the process exits with the command's own
 * code (0 after a clean stop rather than 143). A second signal runs {@code forced}. Handlers are
 * installed with {@code sun.misc.Signal}; where that is refused (for example under {@code -Xrs}), a
 * shutdown hook runs {@code graceful} and waits up to {@link #HOOK_WAIT} for the command to finish.
 * {@link Registration#close()} restores the previous handlers.
 */
@SuppressWarnings("restriction")
final class Signals {
    /** Longest time the fallback shutdown hook waits for the command to finish. */
    static final long HOOK_WAIT = 60;

    private Signals() {}

    /** Installs the handlers; close the registration when the command is done. */
    static Registration onTerminate(String what, Runnable graceful, Runnable forced) {
        return new Registration(what, graceful, forced);
    }

    /** Installed signal handlers; close to restore the previous ones. */
    static final class Registration implements AutoCloseable {
        private final AtomicInteger signals = new AtomicInteger();
        private final CountDownLatch finished = new CountDownLatch(1);
        private final List<Runnable> restore = new ArrayList<>();
        private Thread hook;

        private Registration(String what, Runnable graceful, Runnable forced) {
            SignalHandler handler = sig -> {
                Runnable action = signals.incrementAndGet() == 1 ? graceful : forced;
                Thread.ofPlatform()
                        .name(what + "-" + sig.getName().toLowerCase())
                        .start(action);
            };
            try {
                for (String name : List.of("TERM", "INT")) {
                    Signal signal = new Signal(name);
                    SignalHandler previous = Signal.handle(signal, handler);
                    restore.add(() -> Signal.handle(signal, previous));
                }
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                hook = Thread.ofPlatform().name(what + "-shutdown").unstarted(() -> {
                    graceful.run();
                    try {
                        finished.await(HOOK_WAIT, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
            }
        }

        /** Whether a termination signal has been received. */
        boolean signalled() {
            return signals.get() > 0;
        }

        @Override
        public void close() {
            finished.countDown();
            restore.forEach(Runnable::run);
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutdown already in progress: the hook is running and sees `finished`
                }
            }
        }
    }
}
