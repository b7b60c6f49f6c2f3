package io.partita.cli;

import io.partita.coordinator.Coordinator;
import io.partita.coordinator.CoordinatorConfig;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita server}: a coordinator with its dashboard and API, plus local worker processes
 * using the local cores, which the coordinator starts, restarts and stops (docs/architecture.md,
 * "Local workers"). Runs until SIGTERM or SIGINT, then stops the workers (gracefully, up to
 * {@code LocalWorkers.STOP_WAIT}) and then the coordinator.
 */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Start a coordinator (dashboard, REST API, worker endpoint) with local worker processes.",
            "Settings: command line > --config file > defaults."
        })
final class ServerCommand extends CliCommand {
    // Looked up on first use: `partita --help` instantiates every command and must not pay for
    // logging initialisation.
    private static Logger log() {
        return LoggerFactory.getLogger(ServerCommand.class);
    }

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "HTTP port; 0 picks a free one (default " + ServerSettings.DEFAULT_PORT + ").")
    Integer port;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Data directory: embedded store and blobs (default ./partita-data).")
    Path data;

    @Option(
            names = "--local-workers",
            paramLabel = "N",
            description = "Tasks the local worker processes run at once, one process per 4; 0 starts none"
                    + " (default: number of cores).")
    Integer localWorkers;

    @Option(
            names = "--local-worker-heap",
            paramLabel = "SIZE",
            description = "Heap cap of each local worker process, e.g. 512MiB or 2GiB; its direct memory is capped"
                    + " at half of it (default: a quarter of the machine's memory shared among them, at least 512MiB).")
    String localWorkerHeap;

    @Option(
            names = "--store",
            paramLabel = "URL",
            description = "Store JDBC URL: jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB (default: embedded"
                    + " store in the data directory).")
    String store;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "Interface to bind (default " + ServerSettings.DEFAULT_HOST + ").")
    String host;

    @Option(
            names = "--max-partitions",
            paramLabel = "N",
            description = "Largest partition count per job (default 10000000).")
    Integer maxPartitions;

    @Option(
            names = "--allowed-origin",
            paramLabel = "ORIGIN",
            description = "A page origin (e.g. https://example.org) whose visitors' browsers may connect as"
                    + " workers; repeatable (default: any origin, with a warning).")
    java.util.List<String> allowedOrigins;

    @Option(
            names = "--trusted-workers",
            split = ",",
            paramLabel = "ADDRESS",
            description = "Addresses or CIDR blocks (e.g. 10.0.0.0/8) whose workers and browsers are trusted:"
                    + " their answers count as validated (docs/verification.md). Default: none; the local"
                    + " worker is always trusted.")
    java.util.List<String> trustedWorkers;

    @Option(
            names = "--each-connection-a-host",
            description = "Count every worker connection as its own host for a quorum, even several from one"
                    + " address (tests and demos on one machine). Default: hosts are told apart by address.")
    boolean eachConnectionAHost;

    @Option(
            names = "--connections-per-minute",
            paramLabel = "N",
            description = "Worker connections accepted per IP address and minute; 0 for no limit (default 120).")
    Integer connectionsPerMinute;

    @Option(
            names = "--import-dir",
            paramLabel = "DIR",
            description = "A directory whose files may be registered as datasets by file: URL; repeatable"
                    + " (default: none, file import is off).")
    java.util.List<Path> importDirs;

    @Option(
            names = "--allow-fetch",
            paramLabel = "HOST|ADDRESS|CIDR",
            split = ",",
            description = "A loopback, private or link-local destination that URL imports and code.url may"
                    + " reach anyway; repeatable (default: only public addresses).")
    java.util.List<String> allowFetch;

    @Option(
            names = "--max-upload",
            paramLabel = "SIZE",
            description = "Largest dataset, uploaded or imported by URL (default 4GiB).")
    String maxUpload;

    @Option(
            names = "--max-task-output",
            paramLabel = "SIZE",
            description = "Largest output a data task may upload (default 256MiB).")
    String maxTaskOutput;

    @Option(
            names = "--hello-timeout",
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "Time a new WebSocket has to send its hello before it is closed (default 10s).")
    Duration helloTimeout;

    @Option(
            names = "--header-timeout",
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "Time an HTTP connection has to send a request's headers, and may stay idle"
                    + " between requests (default 20s).")
    Duration headerTimeout;

    @Option(
            names = "--max-connections",
            paramLabel = "N",
            description =
                    "Most TCP connections open at once (default: three quarters of the file" + " descriptor limit).")
    Integer maxConnections;

    @Option(
            names = "--max-connections-per-ip",
            paramLabel = "N",
            description =
                    "Most WebSocket connections open at once from one IP address; 0 for no limit" + " (default 1024).")
    Integer maxConnectionsPerIp;

    @Option(
            names = "--chunk-size",
            paramLabel = "SIZE",
            description = "Default size of a dataset's splits, e.g. 8MiB or 512KiB (default 8MiB).")
    String chunkSize;

    @Option(
            names = "--metrics-host",
            paramLabel = "HOST",
            description = "Also serve /metrics without a token on this interface (for a scraper on a private"
                    + " network); on the main port /metrics needs a viewer token.")
    String metricsHost;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Port of the --metrics-host listener (default 0: any free port, logged).")
    int metricsPort;

    @Option(
            names = "--classpath",
            paramLabel = "PATH",
            description = "For the local workers: " + UserClassPath.DESCRIPTION)
    String classpath;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "PEM certificate chain (server first): serve HTTPS and WSS on the port (with --tls-key).")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM private key of --tls-cert (PKCS#8, or RSA/EC PRIVATE KEY; unencrypted).")
    Path tlsKey;

    @Option(
            names = "--public-url",
            paramLabel = "URL",
            description = "The URL others reach this coordinator at, e.g. https://grid.example.org: join links and QR"
                    + " codes carry it, and its host is an allowed Host (docs/security.md).")
    String publicUrl;

    @Option(
            names = "--allowed-host",
            paramLabel = "NAME",
            description = "A further host name requests may be addressed to (DNS rebinding defence); *.example.org"
                    + " for the names under it, * for any; repeatable (docs/security.md).")
    java.util.List<String> allowedHosts;

    @Option(
            names = "--no-anonymous-workers",
            description = "Take only workers that present a worker token (closes browser volunteering).")
    boolean noAnonymousWorkers;

    @Option(
            names = "--quota",
            paramLabel = "NAME=VALUE",
            split = ",",
            description = "A quota (repeatable): priority, task-timeout, attempts (a submitter's most),"
                    + " live-jobs, in-flight, calls-in-flight, call-depth, stored-bytes, event-bytes (per tenant);"
                    + " e.g. --quota live-jobs=20.")
    java.util.List<String> quotas;

    @Option(
            names = "--tenant-weight",
            paramLabel = "TENANT=WEIGHT",
            split = ",",
            description = "A tenant's weight in fair share (repeatable; default 1): --tenant-weight lab=2 gives lab"
                    + " twice the workers of a tenant of weight 1 while both have work.")
    java.util.List<String> tenantWeights;

    /** The quotas the options name, over the defaults. */
    io.partita.coordinator.auth.Quotas quotas() {
        io.partita.coordinator.auth.Quotas q = io.partita.coordinator.auth.Quotas.DEFAULT;
        for (String a : quotas == null ? java.util.List.<String>of() : quotas) {
            q = q.with(a);
        }
        for (String a : tenantWeights == null ? java.util.List.<String>of() : tenantWeights) {
            q = q.withWeight(a);
        }
        return q;
    }

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file with keys port, data, local-workers, store, host, max-partitions,"
                    + " allowed-origins (comma-separated), connections-per-minute, and the bounds of"
                    + " docs/limits.md by their option names (max-combine-input, ...).")
    Path config;

    /** The bounds of issue 18's second round (docs/limits.md), with their {@code --config} keys. */
    @picocli.CommandLine.Mixin
    BoundsOptions bounds = new BoundsOptions();

    /** Resolves the settings from the options, the config file and the defaults. */
    ServerSettings settings() {
        Properties file = config == null ? new Properties() : ServerSettings.load(config);
        String source = config == null ? "config" : "config file " + config;
        return ServerSettings.resolve(
                new ServerSettings.Overrides(
                        host, port, data, localWorkers, store, maxPartitions, allowedOrigins, connectionsPerMinute),
                file,
                source,
                Runtime.getRuntime().availableProcessors());
    }

    @Override
    int run() throws Exception {
        Logging.bridgeJavaUtilLogging();
        ServerSettings s = settings();
        UserClassPath.loader(classpath); // a bad entry fails before the start
        CoordinatorConfig config;
        try {
            config = bounds.applyTo(
                            CoordinatorConfig.builder(),
                            this.config == null ? new Properties() : ServerSettings.load(this.config),
                            "config file " + this.config)
                    .host(s.host())
                    .port(s.port())
                    .dataDir(s.dataDir())
                    .storeUrl(s.store().orElse(""))
                    .maxPartitions(s.maxPartitions())
                    .allowedOrigins(s.allowedOrigins())
                    .trust(new CoordinatorConfig.Trust(
                            trustedWorkers == null ? java.util.List.of() : trustedWorkers, eachConnectionAHost))
                    .connectionsPerMinute(s.connectionsPerMinute())
                    .importDirs(importDirs == null ? java.util.List.of() : importDirs)
                    .allowFetch(allowFetch == null ? java.util.List.of() : allowFetch)
                    .maxUploadBytes(
                            maxUpload == null
                                    ? CoordinatorConfig.DEFAULT_MAX_UPLOAD_BYTES
                                    : io.partita.coordinator.common.Sizes.parse(maxUpload, "--max-upload"))
                    .maxTaskOutputBytes(
                            maxTaskOutput == null
                                    ? CoordinatorConfig.DEFAULT_MAX_TASK_OUTPUT_BYTES
                                    : io.partita.coordinator.common.Sizes.parse(maxTaskOutput, "--max-task-output"))
                    .helloTimeout(helloTimeout == null ? CoordinatorConfig.DEFAULT_HELLO_TIMEOUT : helloTimeout)
                    .headerTimeout(headerTimeout == null ? CoordinatorConfig.DEFAULT_HEADER_TIMEOUT : headerTimeout)
                    .maxConnections(maxConnections == null ? 0 : maxConnections)
                    .maxConnectionsPerIp(
                            maxConnectionsPerIp == null
                                    ? CoordinatorConfig.DEFAULT_MAX_CONNECTIONS_PER_IP
                                    : maxConnectionsPerIp)
                    .anonymousWorkers(!noAnonymousWorkers)
                    .quotas(quotas())
                    .localWorkers(s.localWorkers())
                    .localWorkerEntryPoint(
                            classpath == null
                                    ? CoordinatorConfig.LocalWorkers.DEFAULT_ENTRY_POINT
                                    : java.util.List.of("io.partita.cli.Main", "worker", "--classpath", classpath))
                    .localWorkerHeap(
                            localWorkerHeap == null
                                    ? 0
                                    : io.partita.coordinator.common.Sizes.parse(localWorkerHeap, "--local-worker-heap"))
                    .metricsHost(metricsHost)
                    .metricsPort(metricsPort)
                    .tlsCert(tlsCert)
                    .tlsKey(tlsKey)
                    .publicUrl(publicUrl)
                    .allowedHosts(allowedHosts == null ? java.util.List.of() : allowedHosts)
                    .chunkBytes(
                            chunkSize == null
                                    ? CoordinatorConfig.DEFAULT_CHUNK_BYTES
                                    : io.partita.coordinator.common.Sizes.parse(chunkSize, "--chunk-size"))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        // The blob store lives in the data directory even when --store names another database.
        prepareDataDir(s.dataDir());
        CountDownLatch stop = new CountDownLatch(1);
        try (Signals.Registration signals = Signals.onTerminate(
                        "server", stop::countDown, () -> Runtime.getRuntime().halt(130));
                Coordinator coordinator = startCoordinator(config)) {
            int actualPort = coordinator.port();
            String shownHost = displayHost(s.host());
            String scheme = config.tls() ? "https" : "http";
            String line = "Partita coordinator listening on " + scheme + "://"
                    + shownHost
                    + ":"
                    + actualPort
                    + "/ (dashboard and API; workers connect to " + (config.tls() ? "wss" : "ws") + "://"
                    + shownHost
                    + ":"
                    + actualPort
                    + "/ws/worker)";
            log().info(line);
            out().println(line);
            out().println(joinLines(coordinator.publicUrl()));
            coordinator
                    .metricsPort()
                    .ifPresent(p -> out().println("Metrics without a token on http://" + displayHost(metricsHost) + ":"
                            + p + "/metrics"));
            String token = coordinator.adminToken().orElseThrow();
            boolean forCli = TokenFiles.writeRunFile(actualPort, token);
            if (!isLoopback(s.host())) {
                out().println("Authentication is on. The admin token is in " + coordinator.adminTokenFile()
                        + " (readable by you only); give it with --token or PARTITA_TOKEN, or make others with"
                        + " 'partita token create' (docs/security.md)");
            } else {
                log().info(
                                "Admin token in {}{}",
                                coordinator.adminTokenFile(),
                                forCli ? " (the CLI on this machine finds it)" : "");
            }
            out().flush();
            try {
                stop.await();
                log().info(signals.signalled() ? "Shutting down (signal received)" : "Shutting down");
            } finally {
                TokenFiles.deleteRunFile(actualPort, token);
            }
        }
        log().info("Stopped");
        return 0;
    }

    private static Coordinator startCoordinator(CoordinatorConfig config) {
        try {
            return Coordinator.start(config);
        } catch (RuntimeException e) {
            log().debug("Coordinator start failed", e);
            if (e.getCause() instanceof BindException) {
                throw new CliException(CliException.describe(e) + " (choose another --port, or 0 for a free one)", e);
            }
            throw new CliException("cannot start the coordinator: " + CliException.describe(e), e);
        }
    }

    /**
     * Creates the data directory {@code dir} when it is missing and checks that a file can be created
     * in it; a {@link CliException} naming the directory and the reason otherwise.
     */
    static void prepareDataDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException(
                    "data directory " + dir + " is a file, not a directory (choose another with --data)");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CliException("cannot create data directory " + dir + ": " + reason(e), e);
        }
        // Files.isWritable answers from permission bits, which do not bind root; a read-only mount
        // refuses root too. Creating a file is the question the store will ask.
        try {
            Files.delete(Files.createTempFile(dir, ".partita-write-check", ".tmp"));
        } catch (IOException e) {
            throw new CliException("data directory " + dir + " is not writable: " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " is a file";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return CliException.describe(e);
    }

    /**
     * What the server prints about the join link: the link, and a warning when it names this
     * machine only (localhost, 127.x, ::1), which a phone scanning its QR code cannot reach.
     */
    static String joinLines(java.net.URI publicUrl) {
        String link = publicUrl.toString().replaceAll("/+$", "") + "/join";
        String line = "Volunteers join at " + link;
        String host = publicUrl.getHost() == null ? "" : publicUrl.getHost();
        if (isLoopback(host)) {
            line += System.lineSeparator() + "Warning: " + link + " works on this machine only (other devices and"
                    + " phones cannot reach " + host + "); pass --public-url " + publicUrl.getScheme()
                    + "://NAME-OR-ADDRESS:PORT with"
                    + " --host 0.0.0.0 to share it";
        }
        return line;
    }

    /** Whether {@code host} is a loopback address, reachable from this machine only. */
    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** The host to show in URLs: a wildcard or the IPv4 loopback address is shown as localhost. */
    static String displayHost(String host) {
        return switch (host) {
            // the default loopback bind is shown as localhost too, as the README and the CLI default say
            case "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "127.0.0.1" -> "localhost";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
    }
}
