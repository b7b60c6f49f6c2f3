package io.partita.cli;

import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita worker}: a Java worker process attached to a coordinator. SIGTERM or SIGINT stops
 * it gracefully (no new work; running tasks finish or go back); a second signal closes it at once.
 * Exits 0 after a graceful stop or an idle exit.
 */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Run a worker that connects to a coordinator and runs tasks.",
            "SIGTERM/Ctrl-C: stop taking work, finish or return tasks, exit."
        })
final class WorkerCommand extends CliCommand {
    // Looked up on first use: `partita --help` instantiates every command and must not pay for
    // logging initialisation.
    private static Logger log() {
        return LoggerFactory.getLogger(WorkerCommand.class);
    }

    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            defaultValue = "${env:PARTITA_URL}",
            description = "Coordinator base URL, e.g. http://host:8080 (default: $PARTITA_URL).")
    String coordinator;

    @Option(names = "--slots", paramLabel = "N", description = "Tasks run at once (default: number of cores).")
    Integer slots;

    @Option(names = "--name", paramLabel = "NAME", description = "Name shown on the dashboard.")
    String name;

    @Option(
            names = "--idle-exit",
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "Exit after this long without tasks, e.g. 30s or 5m (default: never).")
    Duration idleExit;

    @Option(
            names = "--function",
            paramLabel = "NAME",
            description = "Offer only this Java function (job or call); repeatable (default: every function).")
    java.util.List<String> functions;

    @Option(names = "--classpath", paramLabel = "PATH", description = UserClassPath.DESCRIPTION)
    String classpath;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "Worker (or admin) token, which makes this a trusted worker (default: $PARTITA_TOKEN,"
                    + " else for a coordinator on this machine the admin token its server wrote; else anonymous).")
    String token;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "PEM certificates to trust for an https coordinator besides the JDK's: its private CA,"
                    + " or its self-signed certificate (default: $PARTITA_CA_CERT; docs/security.md).")
    java.nio.file.Path caCert;

    @Option(
            names = "--tenant",
            paramLabel = "TENANT",
            description = "Work only on this tenant's jobs and calls (a lab's own workers); default: any tenant's.")
    String tenant;
    // Set by the coordinator when it starts this process as one of its local workers
    // (io.partita.coordinator.local.LocalWorkers): not for people, so not in the help.
    @Option(names = "--supervised", hidden = true)
    boolean supervised;

    /** How long a local worker may take to hand back or finish its tasks when its coordinator stops it. */
    static final Duration LOCAL_DRAIN = Duration.ofSeconds(10);

    WorkerConfig config() {
        if (coordinator == null || coordinator.isBlank()) {
            throw new CliException("worker needs --coordinator URL (or PARTITA_URL in the environment)");
        }
        java.net.URI uri = CoordinatorClient.parseUrl(coordinator);
        if (tenant != null) {
            if (!tenant.matches("[A-Za-z0-9._@-]{1,64}")) {
                throw new CliException("--tenant must be 1 to 64 letters, digits or ._@-, was '" + tenant + "'");
            }
            // the worker passes its coordinator URL's query to the socket: /ws/worker?tenant=...
            uri = uri.resolve("/?tenant=" + tenant);
        }
        WorkerConfig c = supervised
                ? WorkerConfig.defaults(uri)
                        .withKind("local")
                        .withDrainTimeout(LOCAL_DRAIN)
                        .withToken(Optional.of(readLocalToken(System.in)))
                : WorkerConfig.defaults(uri).withToken(TokenFiles.find(uri, Optional.ofNullable(token)));
        try {
            if (slots != null) {
                c = c.withSlots(slots);
            }
            if (name != null) {
                c = c.withName(name);
            }
            if (functions != null) {
                c = c.withFunctions(functions);
            }
            return c.withIdleExit(Optional.ofNullable(idleExit));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    /**
     * The local token a supervising coordinator writes as the first line of this process's standard
     * input: there, not on the command line or in the environment, no other user can read it.
     */
    static String readLocalToken(java.io.InputStream in) {
        StringBuilder token = new StringBuilder();
        try {
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new CliException("--supervised: standard input closed before the local token");
                }
                if (token.length() > 1024) {
                    throw new CliException("--supervised: the local token on standard input is too long");
                }
                token.append((char) b);
            }
        } catch (java.io.IOException e) {
            throw new CliException("--supervised: cannot read the local token: " + e.getMessage(), e);
        }
        return token.toString().strip();
    }

    /**
     * Watches standard input after the token: it closes when the coordinator closes it (to stop
     * this worker) or dies. If the coordinator is gone this process halts at once (its tasks were
     * lost with the connection); else it stops gracefully, and halts if that takes longer than
     * {@link #LOCAL_DRAIN} and a little.
     */
    private static void watchParent(Runnable stop) {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread.ofPlatform().name("partita-parent-watch").daemon(true).start(() -> {
            byte[] buf = new byte[256];
            try {
                while (System.in.read(buf) >= 0) {
                    // nothing else is sent; wait for the end
                }
            } catch (java.io.IOException e) {
                // closed: the same as the end
            }
            boolean parentAlive =
                    ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false);
            if (!parentAlive) {
                log().warn("The coordinator (pid {}) is gone: exiting", parent);
                Runtime.getRuntime().halt(0);
            }
            log().info("Asked to stop by the coordinator: finishing or returning running tasks");
            stop.run();
            try {
                Thread.sleep(LOCAL_DRAIN.plusSeconds(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log().warn(
                            "Did not stop within {} s: exiting",
                            LOCAL_DRAIN.plusSeconds(3).toSeconds());
            Runtime.getRuntime().halt(1);
        });
    }

    @Override
    @SuppressWarnings("restriction")
    int run() throws Exception {
        Logging.bridgeJavaUtilLogging();
        WorkerConfig config = config();
        Optional<javax.net.ssl.SSLContext> tls = ClientOptions.tls(Optional.ofNullable(caCert));
        // Signals are handled from before the start: a bot stopped while its JVM is still starting
        // must still stop gracefully (exit 0), not die with the default handler (143).
        AtomicBoolean stopRequested = new AtomicBoolean();
        AtomicReference<Worker> started = new AtomicReference<>();
        try (Signals.Registration signals = Signals.onTerminate(
                "worker",
                () -> {
                    stopRequested.set(true);
                    Worker w = started.get();
                    if (w != null) {
                        log().info("Stopping: finishing or returning running tasks");
                        w.shutdownGracefully();
                    }
                },
                () -> {
                    Worker w = started.get();
                    if (w != null) {
                        w.close();
                    } else {
                        Runtime.getRuntime().halt(130);
                    }
                })) {
            if (supervised) {
                // Ctrl-C in a terminal reaches the whole process group; the coordinator decides
                // when its workers stop (it closes their input), so an interrupt is not theirs.
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
                watchParent(() -> {
                    stopRequested.set(true);
                    Worker w = started.get();
                    if (w != null) {
                        w.shutdownGracefully();
                    }
                });
            }
            if (stopRequested.get()) {
                return 0;
            }
            ClassLoader functions = UserClassPath.loader(classpath);
            Worker worker;
            try {
                worker = Worker.start(config, functions, tls);
            } catch (RuntimeException e) {
                log().debug("Worker start failed", e);
                throw new CliException("cannot start the worker: " + CliException.describe(e), e);
            }
            try (worker) {
                started.set(worker);
                if (stopRequested.get()) {
                    worker.shutdownGracefully();
                }
                while (!worker.awaitTermination(Duration.ofSeconds(1))) {
                    // wait; a signal or the idle exit ends the loop
                }
                log().info(signals.signalled() ? "Worker stopped" : "Worker exited");
            }
        }
        return 0;
    }
}
