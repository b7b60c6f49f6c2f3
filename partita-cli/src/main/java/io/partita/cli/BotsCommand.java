package io.partita.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita bots}: starts N worker processes (child JVMs running {@code partita worker}) on
 * this machine, prefixes and forwards their output, and waits for all of them. SIGTERM or SIGINT is
 * forwarded to every child (each stops gracefully); a second signal kills them. Exits 0 when every
 * bot exited 0.
 */
@Command(
        name = "bots",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Start N worker processes on this machine and wait for them.",
            "They exit on their own after --idle-exit without work; SIGTERM stops them gracefully."
        })
final class BotsCommand extends CliCommand {

    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            defaultValue = "${env:PARTITA_URL}",
            description = "Coordinator base URL, e.g. http://host:8080 (default: $PARTITA_URL).")
    String coordinator;

    @Option(names = "--count", required = true, paramLabel = "N", description = "Number of bots.")
    int count;

    @Option(
            names = "--slots-per-bot",
            paramLabel = "K",
            defaultValue = "1",
            description = "Slots of each bot (default ${DEFAULT-VALUE}).")
    int slotsPerBot;

    @Option(
            names = "--idle-exit",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = Durations.Converter.class,
            description = "Each bot exits after this long without tasks (default ${DEFAULT-VALUE}).")
    Duration idleExit;

    @Option(names = "--classpath", paramLabel = "PATH", description = UserClassPath.DESCRIPTION)
    String classpath;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "Worker (or admin) token the bots present (default: as for worker --token).")
    String token;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "PEM certificates the bots trust for an https coordinator (default: $PARTITA_CA_CERT,"
                    + " which the bots inherit; docs/security.md).")
    java.nio.file.Path caCert;

    @Override
    int run() throws Exception {
        if (caCert != null) {
            ClientOptions.tls(java.util.Optional.of(caCert)); // a bad file is one error here, not N in the bots
        }
        if (coordinator == null || coordinator.isBlank()) {
            throw new CliException("bots needs --coordinator URL (or PARTITA_URL in the environment)");
        }
        java.util.Optional<String> botToken =
                TokenFiles.find(CoordinatorClient.parseUrl(coordinator), java.util.Optional.ofNullable(token));
        if (classpath != null) {
            UserClassPath.urls(classpath); // a bad entry is one error here, not one per bot
        }
        if (count < 1 || count > 10_000) {
            throw new CliException("--count must be between 1 and 10000, was " + count);
        }
        if (slotsPerBot < 1 || slotsPerBot > 4096) {
            throw new CliException("--slots-per-bot must be between 1 and 4096, was " + slotsPerBot);
        }
        if (idleExit.isZero() || idleExit.isNegative()) {
            throw new CliException("--idle-exit must be positive, was " + idleExit);
        }
        List<Process> bots = new CopyOnWriteArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        ReentrantLock outLock = new ReentrantLock();
        try (Signals.Registration signals = Signals.onTerminate(
                "bots",
                // Through ProcessHandle: Process.destroy() would also close our end of the bots'
                // output, losing what they log while they stop.
                () -> bots.forEach(p -> p.toHandle().destroy()),
                () -> bots.forEach(p -> p.toHandle().destroyForcibly()))) {
            for (int i = 1; i <= count && !signals.signalled(); i++) {
                String name = "bot-" + i;
                Process p;
                try {
                    ProcessBuilder pb = new ProcessBuilder(command(name)).redirectErrorStream(true);
                    // in the environment, not on the command line, where other users could read it
                    botToken.ifPresent(t -> pb.environment().put("PARTITA_TOKEN", t));
                    if (caCert != null) {
                        pb.environment()
                                .put(
                                        io.partita.protocol.TlsTrust.ENV,
                                        caCert.toAbsolutePath().toString());
                    }
                    p = pb.start();
                    p.getOutputStream().close(); // bots read nothing
                } catch (IOException e) {
                    bots.forEach(Process::destroy);
                    throw new CliException("cannot start " + name + ": " + e.getMessage(), e);
                }
                bots.add(p);
                pumps.add(Thread.ofVirtual().name(name + "-out").start(() -> pump(name, p, out(), outLock)));
            }
            err().println("Started " + bots.size() + " bots against " + coordinator);
            err().flush();
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < bots.size(); i++) {
                int code = bots.get(i).waitFor();
                // 143 = ended by the SIGTERM we forwarded before the bot had installed its own handler.
                if (code != 0 && !(code == 143 && signals.signalled())) {
                    failures.add("bot-" + (i + 1) + ": " + code);
                }
            }
            for (Thread t : pumps) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            if (!failures.isEmpty()) {
                throw new CliException(
                        failures.size() + " of " + bots.size() + " bots failed (" + String.join(", ", failures) + ")");
            }
            err().println("All " + bots.size() + " bots exited" + (signals.signalled() ? " (stopped)" : ""));
            err().flush();
            return 0;
        } finally {
            bots.forEach(Process::destroyForcibly);
        }
    }

    /** The command line of one bot: this JVM's java binary and class path, running the worker. */
    List<String> command(String name) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(inheritedJvmOptions());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("worker");
        cmd.add("--coordinator");
        cmd.add(coordinator);
        cmd.add("--slots");
        cmd.add(Integer.toString(slotsPerBot));
        cmd.add("--idle-exit");
        cmd.add(idleExit.toMillis() + "ms");
        cmd.add("--name");
        cmd.add(name);
        if (classpath != null) {
            cmd.add("--classpath");
            cmd.add(classpath);
        }
        return cmd;
    }

    static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * JVM options worth passing on: memory and native-access flags and system properties given to
     * this JVM (for example by the launcher's PARTITA_JAVA_OPTS), but no agents or debug ports, which
     * would clash between processes. Bots use the serial collector: many small JVMs share the cores.
     */
    static List<String> inheritedJvmOptions() {
        List<String> options = new ArrayList<>();
        boolean gcChosen = false;
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (io.partita.coordinator.local.LocalWorkers.clashesBetweenProcesses(arg)) {
                continue;
            }
            if (arg.matches("-XX:\\+Use\\w+GC")) {
                gcChosen = true;
            }
            options.add(arg);
        }
        if (!gcChosen) {
            options.add("-XX:+UseSerialGC");
        }
        return options;
    }

    private static void pump(String name, Process p, PrintWriter out, ReentrantLock lock) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lock.lock();
                try {
                    out.println("[" + name + "] " + line);
                    out.flush();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            // the child's stream closed when it died; its exit code tells the rest
        }
    }
}
