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

    WorkerConfig config() {
        if (coordinator == null || coordinator.isBlank()) {
            throw new CliException("worker needs --coordinator URL (or PARTITA_URL in the environment)");
        }
        java.net.URI uri = CoordinatorClient.parseUrl(coordinator);
        WorkerConfig c = WorkerConfig.defaults(uri).withToken(TokenFiles.find(uri, Optional.ofNullable(token)));
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

    @Override
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
            if (stopRequested.get()) {
                return 0;
            }
            Worker worker;
            try {
                worker = Worker.start(config, Thread.currentThread().getContextClassLoader(), tls);
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
