package io.partita.coordinator.local;

import io.partita.coordinator.CoordinatorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's local workers: child processes, each a JVM running the normal worker entry
 * point with its own heap and direct-memory caps, started once the coordinator listens, restarted
 * when they die and stopped when it stops (docs/architecture.md, "Local workers").
 *
 * <p>Each process has a supervising platform thread (a process wait pins a virtual thread's carrier
 * on Java 21): start the process, hand it the local token as the first line of its standard input,
 * wait for it to exit, log the death, wait out a {@link RestartBackoff} and start it again. The
 * token never appears on a command line (other users can read those from {@code /proc}), in the
 * environment or in a file. The child keeps reading its standard input after the token: the pipe
 * closes when this process ends, however it ends (even by SIGKILL), and the child then exits, so
 * no worker outlives its coordinator. {@link #close()} closes the pipes, which makes the children
 * finish or hand back their tasks and exit, waits {@link #STOP_WAIT} and kills what is left.
 *
 * <p>Lifecycle: RUNNING → STOPPING ({@link #close()}) → STOPPED; advanced by compare-and-set.
 * Thread-safe.
 */
public final class LocalWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalWorkers.class);

    /** How long {@link #close()} waits for the children to exit before it kills them. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(15);

    /** The hidden worker option that makes {@code partita worker} a supervised local worker. */
    public static final String SUPERVISED_OPTION = "--supervised";

    private enum State {
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final List<Child> children;

    private LocalWorkers(List<Child> children) {
        this.children = children;
    }

    /**
     * Starts the processes {@code settings} asks for, connecting to {@code coordinator} with the
     * local {@code token}; returns at once (the processes connect when their JVMs are up).
     */
    public static LocalWorkers start(CoordinatorConfig.LocalWorkers settings, URI coordinator, String token) {
        Objects.requireNonNull(token, "token");
        int processes = settings.processes();
        long heap = settings.heapBytes(physicalMemory());
        List<Child> children = new ArrayList<>();
        int left = settings.slots();
        for (int i = 1; i <= processes; i++) {
            // spread evenly: 5 slots make processes of 3 and 2, not 4 and 1
            int slots = (left + (processes - i)) / (processes - i + 1);
            left -= slots;
            String name = processes == 1 ? "local" : "local-" + i;
            children.add(new Child(name, command(settings, coordinator, name, slots, heap), slots, heap, token));
        }
        LocalWorkers workers = new LocalWorkers(children);
        log.info(
                "Local workers: {} slot(s) in {} process(es), heap {} MiB and direct memory {} MiB each",
                settings.slots(),
                processes,
                heap >> 20,
                (heap / 2) >> 20);
        for (Child c : children) {
            c.thread = Thread.ofPlatform()
                    .name("partita-" + c.name + "-supervisor")
                    .daemon(true)
                    .uncaughtExceptionHandler((t, e) -> log.error("Supervisor of local worker {} failed", c.name, e))
                    .start(() -> workers.supervise(c));
        }
        return workers;
    }

    /** The process ids of the children alive now (for tests and the log). */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Child c : children) {
            Process p = c.process;
            if (p != null && p.isAlive()) {
                pids.add(p.pid());
            }
        }
        return pids;
    }

    /**
     * The command line of one child: this JVM's java binary, its JVM options less memory caps,
     * agents and debug ports, the child's own caps, this class path, the entry point and the worker's
     * options. Never the token.
     */
    static List<String> command(
            CoordinatorConfig.LocalWorkers settings, URI coordinator, String name, int slots, long heapBytes) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(inheritedJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.add("-Xmx" + (heapBytes >> 20) + "m");
        cmd.add("-XX:MaxDirectMemorySize=" + ((heapBytes / 2) >> 20) + "m");
        // A heap that runs out leaves a JVM whose threads die one by one; exit at once and be restarted.
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(settings.entryPoint());
        cmd.addAll(
                List.of("--coordinator", coordinator.toString(), "--slots", Integer.toString(slots), "--name", name));
        cmd.add(SUPERVISED_OPTION);
        return cmd;
    }

    /**
     * Whether a JVM option of this process would clash in a second process started with it: agents,
     * debug ports, flight recordings and the class path (given on its own).
     */
    public static boolean clashesBetweenProcesses(String arg) {
        return arg.startsWith("-agentlib")
                || arg.startsWith("-javaagent")
                || arg.startsWith("-agentpath")
                || arg.startsWith("-Xdebug")
                || arg.startsWith("-Xrunjdwp")
                || arg.startsWith("-Djava.class.path")
                || arg.startsWith("-XX:Flight")
                || arg.startsWith("-XX:StartFlightRecording");
    }

    /**
     * The JVM options of this process worth passing on (module, native-access and JIT flags, system
     * properties, the collector): not memory caps, which the child gets its own of, nor agents, debug
     * ports or flight recordings, which would clash between processes.
     */
    static List<String> inheritedJvmOptions(List<String> arguments) {
        List<String> options = new ArrayList<>();
        for (String arg : arguments) {
            if (arg.startsWith("-Xmx")
                    || arg.startsWith("-Xms")
                    || arg.startsWith("-XX:MaxDirectMemorySize")
                    || arg.matches("-XX:(MaxRAM|InitialRAM|MinRAM)Percentage=.*")
                    || arg.startsWith("-XX:HeapDumpPath")
                    || clashesBetweenProcesses(arg)) {
                continue;
            }
            options.add(arg);
        }
        return options;
    }

    private static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory() * 4;
    }

    private void supervise(Child c) {
        RestartBackoff backoff =
                new RestartBackoff(() -> ThreadLocalRandom.current().nextDouble());
        boolean first = true;
        while (state.get() == State.RUNNING) {
            long started = System.nanoTime();
            Optional<Process> p = c.start(this);
            if (p.isPresent()) {
                Process process = p.get();
                if (first) {
                    log.info(
                            "Local worker {} started (pid {}, {} slot(s), heap {} MiB)",
                            c.name,
                            process.pid(),
                            c.slots,
                            c.heapBytes >> 20);
                } else {
                    log.info("Local worker {} restarted (pid {})", c.name, process.pid());
                }
                first = false;
                int code = waitFor(process);
                if (state.get() != State.RUNNING) {
                    return;
                }
                Duration uptime = Duration.ofNanos(System.nanoTime() - started);
                Duration wait = backoff.afterDeath(uptime);
                String why = code == 3 ? " (out of memory: its heap cap was reached)" : "";
                if (backoff.crashLooping()) {
                    log.error(
                            "Local worker {} (pid {}) died with exit code {}{} after {} ms: {} quick deaths in a row,"
                                    + " crash-looping; restarting in {} ms",
                            c.name,
                            process.pid(),
                            code,
                            why,
                            uptime.toMillis(),
                            backoff.quickDeaths(),
                            wait.toMillis());
                } else {
                    log.warn(
                            "Local worker {} (pid {}) died with exit code {}{} after {} ms; restarting in {} ms",
                            c.name,
                            process.pid(),
                            code,
                            why,
                            uptime.toMillis(),
                            wait.toMillis());
                }
                sleep(wait);
            } else {
                if (state.get() != State.RUNNING) {
                    return;
                }
                Duration wait = backoff.afterDeath(Duration.ZERO);
                sleep(wait);
            }
        }
    }

    private static int waitFor(Process process) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void sleep(Duration wait) {
        try {
            stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the children: closes their standard input (they finish or hand back their tasks and
     * exit), waits up to {@link #STOP_WAIT} and kills those still running. Idempotent.
     */
    @Override
    public void close() {
        if (!state.compareAndSet(State.RUNNING, State.STOPPING)) {
            return;
        }
        stopping.countDown();
        List<Process> running = new ArrayList<>();
        for (Child c : children) {
            c.lock.lock();
            try {
                c.closeInput();
                if (c.process != null) {
                    running.add(c.process);
                }
            } finally {
                c.lock.unlock();
            }
        }
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (Process p : running) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    log.warn(
                            "Local worker pid {} did not stop within {} s; killing it", p.pid(), STOP_WAIT.toSeconds());
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (Child c : children) {
            Thread t = c.thread;
            if (t != null) {
                try {
                    t.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        state.set(State.STOPPED);
        log.info("Local workers stopped");
    }

    /** One supervised process slot: its command and the process running it now, if any. */
    private static final class Child {
        final String name;
        final List<String> command;
        final int slots;
        final long heapBytes;
        final String token;
        final ReentrantLock lock = new ReentrantLock();
        volatile Process process;
        OutputStream input;
        Thread thread;

        Child(String name, List<String> command, int slots, long heapBytes, String token) {
            this.name = name;
            this.command = command;
            this.slots = slots;
            this.heapBytes = heapBytes;
            this.token = token;
        }

        /** Starts the process, unless the supervisor is stopping; empty if it could not be started. */
        Optional<Process> start(LocalWorkers owner) {
            lock.lock();
            try {
                if (owner.state.get() != State.RUNNING) {
                    return Optional.empty();
                }
                Process p;
                try {
                    p = new ProcessBuilder(command).redirectErrorStream(true).start();
                } catch (IOException e) {
                    log.error("Cannot start local worker {}: {}", name, e.getMessage());
                    return Optional.empty();
                }
                OutputStream in = p.getOutputStream();
                try {
                    in.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                } catch (IOException e) {
                    // it died at once; its exit is seen by the supervisor like any other death
                }
                closeInput(); // the previous, dead process's pipe
                process = p;
                input = in;
                Thread.ofPlatform()
                        .name("partita-" + name + "-output")
                        .daemon(true)
                        .start(() -> pump(name, p));
                return Optional.of(p);
            } finally {
                lock.unlock();
            }
        }

        /** Closes the process's standard input: the signal to stop. Call with the lock held. */
        void closeInput() {
            if (input != null) {
                try {
                    input.close();
                } catch (IOException e) {
                    // already gone
                }
                input = null;
            }
        }
    }

    /** Copies the child's output (its log) to this process's standard error, each line prefixed. */
    private static void pump(String name, Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.err.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
