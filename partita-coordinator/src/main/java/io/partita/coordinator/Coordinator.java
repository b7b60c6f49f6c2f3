package io.partita.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Ownership;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.calls.CallCache;
import io.partita.coordinator.calls.CallFunctions;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.calls.Examples;
import io.partita.coordinator.common.FetchGuard;
import io.partita.coordinator.data.Capabilities;
import io.partita.coordinator.data.DataJobs;
import io.partita.coordinator.data.Datasets;
import io.partita.coordinator.http.Access;
import io.partita.coordinator.http.AdminApi;
import io.partita.coordinator.http.CallApi;
import io.partita.coordinator.http.DataApi;
import io.partita.coordinator.http.HttpApi;
import io.partita.coordinator.http.HttpSupport;
import io.partita.coordinator.http.JobViews;
import io.partita.coordinator.http.Routes;
import io.partita.coordinator.jobs.CodeService;
import io.partita.coordinator.jobs.FunctionCatalog;
import io.partita.coordinator.sched.ResultWriter;
import io.partita.coordinator.sched.Scheduler;
import io.partita.coordinator.sched.StoreHealth;
import io.partita.coordinator.web.DashboardStreams;
import io.partita.coordinator.web.WebPages;
import io.partita.coordinator.wire.ClientEndpoint;
import io.partita.coordinator.wire.ConnectionGate;
import io.partita.coordinator.wire.TrustGate;
import io.partita.coordinator.wire.WorkerEndpoint;
import io.partita.protocol.Codec;
import io.partita.store.BlobStore;
import io.partita.store.FileBlobStore;
import io.partita.store.Store;
import io.partita.store.StoreRetry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Partita coordinator: the store, the scheduler, the REST API and the worker protocol
 * endpoint on one port. Start one with {@link #start(CoordinatorConfig)}; it recovers the unfinished
 * jobs of its store before it accepts connections. Thread-safe.
 *
 * <pre>
 *   HTTP /api/*  ──> HttpApi ──┐
 *                              ├──> Scheduler (in memory, one lock) ──> ResultWriter ──> Store
 *   WS /ws/worker ─> WorkerEndpoint ┘        leases, queues             group commit
 * </pre>
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

    private enum State {
        RUNNING,
        CLOSED
    }

    private final CoordinatorConfig config;
    private final Store store;
    private final Scheduler scheduler;
    private final ResultWriter writer;
    private final WebServer server;
    private final ScheduledExecutorService timer;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

    private final DashboardStreams streams;
    private final DataJobs dataJobs;
    private final ConnectionGate gate;

    private final TrustGate trustGate;
    private final Optional<io.partita.coordinator.local.LocalWorkers> localWorkers;
    private final Optional<String> adminToken;
    private final List<String> routes;

    private Coordinator(
            CoordinatorConfig config,
            Store store,
            Scheduler scheduler,
            ResultWriter writer,
            WebServer server,
            ScheduledExecutorService timer,
            DashboardStreams streams,
            DataJobs dataJobs,
            TrustGate trustGate,
            ConnectionGate gate,
            Optional<String> adminToken,
            List<String> routes,
            Optional<io.partita.coordinator.local.LocalWorkers> localWorkers) {
        this.trustGate = trustGate;
        this.localWorkers = localWorkers;
        this.gate = gate;
        this.adminToken = adminToken;
        this.routes = routes;
        this.streams = streams;
        this.dataJobs = dataJobs;
        this.config = config;
        this.store = store;
        this.scheduler = scheduler;
        this.writer = writer;
        this.server = server;
        this.timer = timer;
    }

    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final String METRICS_SOCKET = "metrics";
    private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Opens the store, recovers unfinished jobs and starts listening. While the store is unavailable
     * (a transient {@link io.partita.store.StoreException}) opening it and reading the call cache are
     * retried with backoff for up to {@link StoreRetry.Policy#DEFAULT_TIMEOUT}.
     *
     * @throws io.partita.store.StoreException if the store cannot be opened: at once for a permanent
     *     failure, after the retries for a transient one
     * @throws IllegalStateException if the port cannot be bound
     */
    public static Coordinator start(CoordinatorConfig config) {
        return start(config, UnaryOperator.identity());
    }

    /**
     * Starts a coordinator whose store is wrapped by {@code decorate}: the hook through which tests
     * inject store faults (for example {@code io.partita.testing.ChaosStore}). Production code uses
     * {@link #start(CoordinatorConfig)}.
     */
    public static Coordinator start(CoordinatorConfig config, UnaryOperator<Store> decorate) {
        requirePortFree(config.host(), config.port());
        StoreRetry startup = StoreRetry.of(StoreRetry.Policy.DEFAULT);
        String storeUrl = config.effectiveStoreUrl();
        Store store = decorate.apply(startup.call("open the store", () -> Store.open(storeUrl)));
        try {
            ObjectMapper mapper = Codec.mapper();
            String instance = UUID.randomUUID().toString();
            Scheduler scheduler =
                    new Scheduler(store, mapper, config, System::nanoTime, System::currentTimeMillis, instance);
            StoreHealth health = new StoreHealth();
            health.onChange(scheduler::storeAvailable);
            ResultWriter writer = new ResultWriter(store, scheduler, health);
            scheduler.writer(writer);
            startup.call("recover unfinished jobs", () -> {
                scheduler.recover();
                return null;
            });
            writer.start();
            BlobStore blobs;
            try {
                blobs = new FileBlobStore(config.dataDir().resolve("blobs"));
            } catch (java.io.IOException e) {
                writer.close();
                throw new java.io.UncheckedIOException("cannot open the blob store: " + e.getMessage(), e);
            }

            FunctionCatalog catalog = new FunctionCatalog();
            CallCache cache = new CallCache(config.cacheMaxBytes(), System::currentTimeMillis);
            cache.onChange(() -> writer.submitCacheFlush(cache));
            cache.load(startup.call("read the call cache", store::cacheEntries), mapper);
            scheduler.cache(cache);
            CallFunctions functions = new CallFunctions(store, config.callTimeout());
            Examples.registerFunctions(functions, store);
            CallService calls = new CallService(scheduler, functions, cache);
            Tokens tokens = new Tokens(store, System::currentTimeMillis);
            Audit audit = new Audit(store, System::currentTimeMillis);
            Ownership ownership = new Ownership(store);
            Optional<String> adminToken = config.auth()
                    ? Optional.of(startup.call("write the admin token", () -> tokens.adminToken(config.dataDir())))
                    : Optional.empty();
            if (!config.auth()) {
                log.warn("Authentication is off: every request acts as an admin (docs/security.md)");
            }
            ConnectionGate gate = new ConnectionGate(config, System::nanoTime, Optional.of(tokens), Optional.of(audit));
            TrustGate trustGate = new TrustGate(config.trust());
            // The local worker's token is the coordinator's own, not an API token.
            gate.acceptWorkerCredential(trustGate::isLocalToken);
            io.partita.coordinator.http.HostCheck hostCheck = new io.partita.coordinator.http.HostCheck(config);
            if (!hostCheck.active()) {
                log.warn(
                        "Listening on {} without --public-url or --allowed-host: requests for any Host name are"
                                + " answered, so DNS rebinding is not defended against (docs/security.md)",
                        config.host());
            }
            Optional<io.helidon.common.tls.Tls> tls = tls(config);
            if (config.allowedOrigins().isEmpty()) {
                log.warn("Browsers of any origin may connect as workers; set allowed origins to restrict them");
            }
            PrometheusMeterRegistry metrics = metrics(scheduler, health);
            FetchGuard fetchGuard = new FetchGuard(config.allowFetch());
            CodeService code = new CodeService(store, config.maxRequestBytes(), fetchGuard);
            HttpSupport http = new HttpSupport(mapper, config.maxRequestBytes());
            JobViews views = new JobViews(scheduler, store, mapper);
            HttpApi api = new HttpApi(
                    scheduler, store, catalog, code, config, mapper, metrics, http, views, health, ownership, audit);
            Datasets datasets = new Datasets(store, blobs, config, mapper, System::currentTimeMillis, fetchGuard);
            Capabilities capabilities = new Capabilities(scheduler::leaseCurrent, config.maxTaskOutputBytes());
            io.partita.coordinator.auth.Usage usage = new io.partita.coordinator.auth.Usage(
                    store,
                    ownership,
                    config.quotas(),
                    id -> datasets.get(id).map(Datasets.Dataset::bytes).orElse(0L));
            api.usage(usage);
            DataJobs dataJobs = new DataJobs(
                    scheduler, store, blobs, datasets, code, catalog, capabilities, mapper, System::currentTimeMillis);
            scheduler.onJobEnd(dataJobs::jobEnded);
            dataJobs.recover();
            HttpRouting.Builder routing = HttpRouting.builder();
            http.errors(routing);
            new io.partita.coordinator.http.RequestRate(config.limits().requestsPerSecond(), System::nanoTime)
                    .routing(routing);
            new Access(config, tokens, audit).routing(routing);
            gate.routing(routing);
            Routes.record(routing, "GET", ConnectionGate.WORKER_PATH);
            Routes.record(routing, "GET", ConnectionGate.CLIENT_PATH);
            new WebPages(store, config.limits().browserTaskCap())
                    .publicUrl(config.publicUrl())
                    .routing(routing);
            DashboardStreams streams = new DashboardStreams(scheduler, store, views, mapper, health, ownership);
            streams.routing(routing);
            new CallApi(calls, scheduler, store, code, http, ownership, audit).routing(routing);
            new DataApi(datasets, dataJobs, capabilities, blobs, http, mapper, health)
                    .ownership(ownership)
                    .usage(usage)
                    .routing(routing);
            new AdminApi(tokens, audit, http).routing(routing);
            api.routing(routing);
            List<String> routes = Routes.registered(routing);
            Access.requireRules(routes);
            WebServer server;
            try {
                var web = WebServer.builder()
                        .host(config.host())
                        .port(config.port())
                        .shutdownHook(false)
                        .maxPayloadSize(-1)
                        // Small protocol messages must not wait for delayed ACKs (Nagle): 40 ms a round
                        // trip. Helidon sets SO_RCVBUF to 32 KiB by default, which turns off the kernel's
                        // receive-window autotuning: a worker's results then crawl through a window of a
                        // few KiB at ~100 tasks/s (seen as rwnd_limited in `ss -ti`). Large buffers keep
                        // the window open (decisions.md D15).
                        .connectionOptions(options -> options.tcpNoDelay(true)
                                .socketReceiveBufferSize(SOCKET_BUFFER_BYTES)
                                .socketSendBufferSize(SOCKET_BUFFER_BYTES))
                        .maxTcpConnections(maxConnections(config))
                        .update(b -> tls.ifPresent(b::tls))
                        .routing(routing)
                        .addProtocol(Http1Config.builder()
                                .addReceiveListener(gate.headerListeners().get(0))
                                .addSendListener(gate.headerListeners().get(1))
                                .build())
                        .addProtocol(WsConfig.builder()
                                .maxFrameLength(config.maxFrameBytes())
                                .build())
                        .addRouting(WsRouting.builder()
                                .endpoint(
                                        ConnectionGate.WORKER_PATH,
                                        () -> new WorkerEndpoint(
                                                scheduler, store, catalog, calls, dataJobs, config, gate, trustGate,
                                                health))
                                .endpoint(
                                        ConnectionGate.CLIENT_PATH,
                                        () -> new ClientEndpoint(
                                                calls, mapper, config.maxFrameBytes(), gate, ownership)));
                // a token-free /metrics for a scraper on a private interface (docs/security.md)
                config.metricsHost()
                        .ifPresent(h -> web.putSocket(
                                METRICS_SOCKET,
                                socket -> socket.host(h)
                                        .port(config.metricsPort())
                                        .routing(r -> r.get("/metrics", (req, res) -> {
                                            res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, METRICS_TYPE);
                                            res.send(
                                                    metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                                        }))));
                server = web.build().start();
            } catch (RuntimeException e) {
                writer.close();
                throw new IllegalStateException(
                        "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
            }
            if (!server.isRunning() || server.port() < 0) {
                // Helidon logs a failed bind and returns a stopped server (port -1) rather than throwing;
                // reached only when the port was taken after requirePortFree looked.
                server.stop();
                writer.close();
                throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port()
                        + ": the web server did not start (see the log above)");
            }
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                    .name("partita-sweeper")
                    .daemon(true)
                    .uncaughtExceptionHandler((t, e) -> log.error("Sweeper failed", e))
                    .unstarted(r));
            long period = Math.max(20, Math.min(250, config.heartbeatInterval().toMillis() / 4));
            timer.scheduleWithFixedDelay(
                    () -> {
                        try {
                            scheduler.sweep();
                        } catch (RuntimeException e) {
                            log.error("Lease sweep failed", e);
                        }
                        probe(store, blobs, health);
                    },
                    period,
                    period,
                    TimeUnit.MILLISECONDS);
            timer.scheduleWithFixedDelay(capabilities::sweep, 10, 10, TimeUnit.SECONDS);
            // Started once the coordinator listens and not waited for: it is healthy at once, and
            // the workers connect when their JVMs are up (docs/architecture.md, "Local workers").
            Optional<io.partita.coordinator.local.LocalWorkers> local =
                    config.localWorkers().slots() > 0
                            ? Optional.of(io.partita.coordinator.local.LocalWorkers.start(
                                    localWorkerSettings(config),
                                    localUrl(config.host(), server.port(), config.tls()),
                                    trustGate.localToken()))
                            : Optional.empty();
            if (!config.limits().eventRetention().isZero()) {
                var retention = new io.partita.coordinator.sched.EventRetention(
                        store, config.limits().eventRetention(), System::currentTimeMillis);
                long every = retention.period().toMillis();
                timer.scheduleWithFixedDelay(retention::sweepInBackground, every, every, TimeUnit.MILLISECONDS);
            }
            return new Coordinator(
                    config,
                    store,
                    scheduler,
                    writer,
                    server,
                    timer,
                    streams,
                    dataJobs,
                    trustGate,
                    gate,
                    adminToken,
                    routes,
                    local);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Where the local workers connect: the loopback address when the coordinator listens on every
     * interface or on a loopback one, else the one address it listens on.
     */
    static URI localUrl(String host, int port) {
        return localUrl(host, port, false);
    }

    /** Where the local workers connect, over HTTPS when the coordinator serves TLS. */
    static URI localUrl(String host, int port, boolean tls) {
        String h = switch (host) {
            case "0.0.0.0", "localhost" -> "127.0.0.1";
            case "::", "[::]", "0:0:0:0:0:0:0:0" -> "[::1]";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
        return URI.create((tls ? "https://" : "http://") + h + ":" + port);
    }

    /**
     * The local workers' settings; over TLS they trust exactly the served certificate ({@code
     * --ca-cert} of it pins it, whatever name it carries), since they connect to a loopback address.
     */
    static CoordinatorConfig.LocalWorkers localWorkerSettings(CoordinatorConfig config) {
        CoordinatorConfig.LocalWorkers local = config.localWorkers();
        if (config.tlsCert().isEmpty()) {
            return local;
        }
        List<String> entry = new java.util.ArrayList<>(local.entryPoint());
        entry.addAll(
                List.of("--ca-cert", config.tlsCert().get().toAbsolutePath().toString()));
        return new CoordinatorConfig.LocalWorkers(local.slots(), local.heapBytes(), entry);
    }

    /**
     * The TLS of the main port, from {@link CoordinatorConfig#tlsCert()} and {@link
     * CoordinatorConfig#tlsKey()}: TLS 1.2 and 1.3 with the JDK's default suites; no client
     * certificates.
     *
     * @throws IllegalArgumentException naming the file and the problem if a PEM file is unusable
     */
    static Optional<io.helidon.common.tls.Tls> tls(CoordinatorConfig config) {
        if (!config.tls()) {
            return Optional.empty();
        }
        var chain = io.partita.coordinator.common.PemFiles.certificates(
                config.tlsCert().orElseThrow(), "tls-cert");
        var key = io.partita.coordinator.common.PemFiles.privateKey(
                config.tlsKey().orElseThrow(), "tls-key");
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())
                && !(key.getAlgorithm().equals("EC")
                        && chain.get(0).getPublicKey().getAlgorithm().equals("EC"))) {
            throw new IllegalArgumentException("tls-key " + config.tlsKey().get() + " is a " + key.getAlgorithm()
                    + " key but the certificate in tls-cert " + config.tlsCert().get() + " has a "
                    + chain.get(0).getPublicKey().getAlgorithm() + " key");
        }
        try {
            chain.get(0).checkValidity();
        } catch (java.security.cert.CertificateException e) {
            log.warn(
                    "The certificate in {} is not valid now: {}",
                    config.tlsCert().get(),
                    e.getMessage());
        }
        return Optional.of(io.helidon.common.tls.Tls.builder()
                .privateKey(key)
                .privateKeyCertChain(chain)
                .build());
    }

    /**
     * The most TCP connections the listener accepts at once: the configured number, or three
     * quarters of the process's file descriptor limit. Helidon takes a permit before it accepts, so
     * a flood of sockets waits in the kernel's backlog instead of exhausting the descriptors: an
     * {@code accept} that fails with "too many open files" stops Helidon's listener for good.
     */
    static int maxConnections(CoordinatorConfig config) {
        if (config.maxConnections() > 0) {
            return config.maxConnections();
        }
        long limit = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
        }
        if (limit <= 0) {
            return 10_000;
        }
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, limit * 3 / 4 - 64));
    }

    /**
     * Fails with an {@link IllegalStateException} caused by the {@link java.net.BindException} when
     * {@code host:port} cannot be bound, before the store is opened. Helidon would only log two stack
     * traces and return a server that listens nowhere. Port 0 (any free port) is not checked.
     */
    private static void requirePortFree(String host, int port) {
        if (port == 0) {
            return;
        }
        // SO_REUSEADDR as Helidon sets it: a port in TIME_WAIT is free for the server too.
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** While reads failed, asks the store a cheap question until it answers (nothing else reads then). */
    private static void probe(Store store, BlobStore blobs, StoreHealth health) {
        if (health.failing(StoreHealth.Path.READS)) {
            try {
                store.jobCount();
                health.recovered(StoreHealth.Path.READS);
            } catch (io.partita.store.StoreException e) {
                health.failed(StoreHealth.Path.READS, e);
            }
        }
        if (health.failing(StoreHealth.Path.BLOBS)) {
            // While uploads fail nothing new is leased, so nothing else would find out it works again.
            String key = "probe/" + System.nanoTime();
            try (BlobStore.Writer w = blobs.create(key)) {
                w.stream().write(new byte[4096]);
                w.commit();
                blobs.deletePrefix(key);
                health.recovered(StoreHealth.Path.BLOBS);
            } catch (java.io.IOException e) {
                health.failed(StoreHealth.Path.BLOBS, "the blob store failed: " + e.getMessage());
            }
        }
    }

    private static PrometheusMeterRegistry metrics(Scheduler scheduler, StoreHealth health) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("partita_store_available", health, h -> h.problem().isPresent() ? 0 : 1)
                .description("1 while the store takes reads and commits, 0 while it is unavailable (see /api/health)")
                .register(registry);
        Gauge.builder("partita_workers", scheduler, s -> s.totals().workers())
                .description("Connected workers")
                .register(registry);
        Gauge.builder("partita_jobs_live", scheduler, s -> s.totals().liveJobs())
                .description("Jobs preparing or running")
                .register(registry);
        Gauge.builder("partita_tasks_queued", scheduler, s -> s.totals().queued())
                .description("Tasks waiting for a worker")
                .register(registry);
        Gauge.builder("partita_tasks_running", scheduler, s -> s.totals().running())
                .description("Tasks leased to workers")
                .register(registry);
        FunctionCounter.builder(
                        "partita_tasks_completed", scheduler, s -> s.totals().completed())
                .description("Tasks completed durably since start")
                .register(registry);
        return registry;
    }

    /**
     * The token this coordinator's local workers present to be {@code local} (their answers count as
     * the coordinator's own); it exists only in this process and is handed to the local worker
     * processes through a pipe. Tests that run a worker inside their own JVM give it this token.
     */
    public String localWorkerToken() {
        return trustGate.localToken();
    }

    /** The process ids of the local worker processes alive now; empty without local workers. */
    public List<Long> localWorkerPids() {
        return localWorkers.map(io.partita.coordinator.local.LocalWorkers::pids).orElse(List.of());
    }

    /** The port the coordinator listens on (the actual one when started with port 0). */
    public int port() {
        return server.port();
    }

    /** The port of the token-free metrics listener, if {@link CoordinatorConfig#metricsHost()} asked for one. */
    public java.util.OptionalInt metricsPort() {
        return config.metricsHost().isPresent()
                ? java.util.OptionalInt.of(server.port(METRICS_SOCKET))
                : java.util.OptionalInt.empty();
    }

    /**
     * The base URL of the API, on the loopback address when bound to all interfaces; {@code https}
     * when the coordinator serves TLS.
     */
    public URI url() {
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create((config.tls() ? "https://" : "http://") + host + ":" + port());
    }

    /**
     * The URL people and remote workers reach the coordinator at: {@link
     * CoordinatorConfig#publicUrl()}, else {@code http(s)://localhost:PORT} (bound to loopback or to
     * every interface) or the bound address. Join links and QR codes carry it.
     */
    public URI publicUrl() {
        if (config.publicUrl().isPresent()) {
            return config.publicUrl().get();
        }
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("127.0.0.1")) {
            host = "localhost";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create((config.tls() ? "https://" : "http://") + host + ":" + port());
    }

    /**
     * The admin token, written on first start to {@link #adminTokenFile()} (mode 0600); empty when
     * authentication is off.
     */
    public Optional<String> adminToken() {
        return adminToken;
    }

    /** Where the admin token is kept: {@code admin-token} in the data directory. */
    public java.nio.file.Path adminTokenFile() {
        return config.dataDir().resolve(Tokens.ADMIN_TOKEN_FILE).toAbsolutePath();
    }

    /** Every HTTP route it serves, as {@code "METHOD /path"} (HEAD routes included): for tests. */
    public List<String> routes() {
        return routes;
    }

    /** The configuration it runs with. */
    public CoordinatorConfig config() {
        return config;
    }

    /** Stops listening, commits queued results and closes the store. Idempotent. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
            return;
        }
        // First, while the coordinator still listens: the workers hand back or finish their tasks.
        localWorkers.ifPresent(io.partita.coordinator.local.LocalWorkers::close);
        timer.shutdownNow();
        streams.close();
        dataJobs.close();
        server.stop();
        gate.close();
        writer.close(Duration.ofSeconds(10));
        try {
            scheduler.saveHosts();
        } catch (RuntimeException e) {
            log.warn("Could not save the hosts' records at shutdown: {}", e.toString());
        }
        store.close();
        log.info("Coordinator stopped");
    }
}
