package io.partita.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable, validated configuration of a {@link Coordinator}. Build it with {@link #builder()};
 * every setting has a named default, and an invalid value is rejected by {@link Builder#build()}
 * with a message naming the setting and the value (never clamped quietly).
 *
 * @param host interface to bind; default {@value #DEFAULT_HOST}
 * @param port TCP port, 0 for a random free port; default {@value #DEFAULT_PORT}
 * @param dataDir directory of the embedded store and blobs; default {@code ./partita-data}
 * @param storeUrl JDBC URL of the store; empty means the embedded SQLite file in {@code dataDir}
 * @param maxPartitions largest partition count a job may have; default {@value
 *     #DEFAULT_MAX_PARTITIONS}
 * @param maxRequestBytes largest accepted HTTP request body, in bytes; default {@value
 *     #DEFAULT_MAX_REQUEST_BYTES}
 * @param maxFrameBytes largest accepted worker WebSocket message, in bytes; default {@value
 *     #DEFAULT_MAX_FRAME_BYTES}
 * @param heartbeatInterval how often workers send heartbeats; a worker silent for three intervals
 *     is dropped and loses its leases; default 2 s
 * @param maxBatch most tasks sent to a worker in one frame; default {@value #DEFAULT_MAX_BATCH}
 * @param allowedOrigins the page origins (e.g. {@code https://example.org}) whose browsers may
 *     connect as workers; empty means any (logged as a warning at start). Connections without an
 *     {@code Origin} header (Java workers) are not affected.
 * @param connectionsPerMinute worker connections accepted per minute from one IP address (bursts of
 *     half as many at once); 0 means unlimited; default {@value #DEFAULT_CONNECTIONS_PER_MINUTE}
 * @param cacheMaxBytes bound of the grid call cache (results plus a small per-entry overhead),
 *     least recently used entries are evicted beyond it; default 256 MiB
 * @param callTimeout time limit of one execution of a grid call (not counting the time it waits for
 *     its own calls), unless its function says otherwise; default 5 min
 * @param importDirs directories whose files may be registered as datasets by {@code file:} URL;
 *     default none: file import is off (any {@code file:} URL is refused)
 * @param chunkBytes default size of a dataset's splits; default 8 MiB
 * @param allowFetch host names, addresses and CIDR blocks that URL imports and {@code code.url}
 *     may reach although they are loopback, private or link-local (see {@code FetchGuard});
 *     default none
 * @param maxUploadBytes largest dataset, uploaded or imported by URL, in bytes; default {@value
 *     #DEFAULT_MAX_UPLOAD_BYTES}
 * @param maxTaskOutputBytes largest output a data task may write through one capability URL, in
 *     bytes; default {@value #DEFAULT_MAX_TASK_OUTPUT_BYTES}
 * @param helloTimeout how long a new worker or client WebSocket may stay without sending its hello
 *     before it is closed; default 10 s
 * @param headerTimeout how long an HTTP connection may take to send a request's line and headers,
 *     and how long it may stay idle between requests; default 20 s
 * @param maxConnections most TCP connections open at once; 0 means a bound taken from the
 *     process's file descriptor limit (three quarters of it), so that a flood of sockets cannot
 *     exhaust the descriptors the listener needs; default 0
 * @param maxConnectionsPerIp most WebSocket connections (workers and clients) open at once from one
 *     IP address; 0 means unlimited; default {@value #DEFAULT_MAX_CONNECTIONS_PER_IP}
 * @param trust who is trusted and what counts as one host (docs/verification.md)
 * @param auth whether requests need API tokens (docs/security.md); default true. Off, every
 *     request acts as an admin: for embedding in tests only.
 * @param anonymousWorkers whether workers without a worker token (browsers, Java workers without
 *     {@code --token}) may connect; default true
 * @param metricsHost if present, {@code /metrics} is also served without a token on this interface
 *     (and {@code metricsPort}), for a scraper on a private network; on the main port it always
 *     needs a viewer token
 * @param metricsPort the port of that listener, 0 for any free one; default 0
 * @param quotas what each role and tenant may use, and the tenants' weights in fair share; default
 *     {@link io.partita.coordinator.auth.Quotas#DEFAULT}
 * @param localWorkers the local worker processes the coordinator starts and supervises (docs/architecture.md,
 *     "Local workers"); default none: a coordinator built in code starts no processes, {@code
 *     ./partita server} asks for as many slots as the machine has cores
 * @param limits the bounds of issue 18's second round (docs/limits.md), each set by the builder
 *     method of its name
 * @param tlsCert if present (with {@code tlsKey}), the PEM certificate chain (server certificate
 *     first) the main port serves HTTPS and WSS with; absent: plain HTTP (docs/security.md)
 * @param tlsKey the PEM private key of {@code tlsCert}: PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 *     ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}), unencrypted
 * @param publicUrl the URL people and workers reach this coordinator at (e.g. {@code
 *     https://grid.example.org}): join links and QR codes carry it, and its host is an allowed
 *     {@code Host}; empty: the address the request came to
 * @param allowedHosts further host names a request's {@code Host} header may carry (DNS rebinding
 *     defence, docs/security.md); {@code *} allows any. Default none
 */
public record CoordinatorConfig(
        String host,
        int port,
        Path dataDir,
        Optional<String> storeUrl,
        int maxPartitions,
        long maxRequestBytes,
        int maxFrameBytes,
        Duration heartbeatInterval,
        int maxBatch,
        java.util.List<String> allowedOrigins,
        int connectionsPerMinute,
        long cacheMaxBytes,
        Duration callTimeout,
        java.util.List<Path> importDirs,
        long chunkBytes,
        java.util.List<String> allowFetch,
        long maxUploadBytes,
        long maxTaskOutputBytes,
        Duration helloTimeout,
        Duration headerTimeout,
        int maxConnections,
        int maxConnectionsPerIp,
        Trust trust,
        boolean auth,
        boolean anonymousWorkers,
        Optional<String> metricsHost,
        int metricsPort,
        io.partita.coordinator.auth.Quotas quotas,
        LocalWorkers localWorkers,
        Limits limits,
        Optional<Path> tlsCert,
        Optional<Path> tlsKey,
        Optional<java.net.URI> publicUrl,
        java.util.List<String> allowedHosts) {

    /**
     * The coordinator's own workers: child processes (separate JVMs running the normal worker entry
     * point) that it starts once it listens, restarts when they die and stops when it stops. User
     * code never runs in the coordinator's process.
     *
     * @param slots tasks the local workers run at once, over all of them; 0 starts none; at most
     *     4096. They are spread over one process per {@value #SLOTS_PER_PROCESS} slots
     * @param heapBytes the heap cap ({@code -Xmx}) of each process; its direct-memory cap is half of
     *     it. 0 picks the default: a quarter of the machine's memory shared among the processes, at
     *     least {@value #MIN_DEFAULT_HEAP_BYTES} bytes; at least {@value #MIN_HEAP_BYTES} bytes if given
     * @param entryPoint the main class and leading arguments that start a worker in a new JVM on this
     *     JVM's class path; default {@code io.partita.cli.Main worker}, which the coordinator module
     *     does not depend on: it must be on the class path when {@code slots > 0}
     */
    public record LocalWorkers(int slots, long heapBytes, java.util.List<String> entryPoint) {
        /** Largest number of slots one process holds: one heap bomb stops at most that many. */
        public static final int SLOTS_PER_PROCESS = 4;

        /** Smallest heap cap one may give a local worker: 64 MiB. */
        public static final long MIN_HEAP_BYTES = 64L << 20;

        /** Smallest default heap cap: 512 MiB. */
        public static final long MIN_DEFAULT_HEAP_BYTES = 512L << 20;

        /** The worker entry point of the distribution: {@code partita worker}. */
        public static final java.util.List<String> DEFAULT_ENTRY_POINT =
                java.util.List.of("io.partita.cli.Main", "worker");

        /** No local workers. */
        public static final LocalWorkers NONE = new LocalWorkers(0, 0, DEFAULT_ENTRY_POINT);

        public LocalWorkers {
            require(slots >= 0 && slots <= 4096, "local-workers must be between 0 and 4096, was " + slots);
            require(
                    heapBytes == 0 || heapBytes >= MIN_HEAP_BYTES,
                    "local-worker-heap must be at least 64MiB, was " + heapBytes + " bytes");
            entryPoint = java.util.List.copyOf(Objects.requireNonNull(entryPoint, "entryPoint"));
            require(!entryPoint.isEmpty(), "local-worker entry point must name a main class");
        }

        /** The number of worker processes: one per {@link #SLOTS_PER_PROCESS} slots. */
        public int processes() {
            return (slots + SLOTS_PER_PROCESS - 1) / SLOTS_PER_PROCESS;
        }

        /**
         * The heap cap of each process in bytes: {@link #heapBytes()}, or the default for a machine
         * with {@code physicalBytes} of memory.
         */
        public long heapBytes(long physicalBytes) {
            if (heapBytes > 0) {
                return heapBytes;
            }
            return Math.max(MIN_DEFAULT_HEAP_BYTES, physicalBytes / 4 / Math.max(1, processes()));
        }
    }

    /**
     * Who the coordinator trusts, until workers present tokens of their own.
     *
     * @param trustedAddresses addresses or CIDR blocks (e.g. {@code 10.0.0.0/8}) whose connections,
     *     browsers included, are trusted: their answers count as validated; default none
     * @param eachConnectionAHost whether every connection counts as its own host for a quorum, even
     *     two from one address (tests and demos on one machine); default false
     */
    public record Trust(java.util.List<String> trustedAddresses, boolean eachConnectionAHost) {
        /** Nobody but the coordinator's local worker is trusted; hosts are told apart by address. */
        public static final Trust STRICT = new Trust(java.util.List.of(), false);

        public Trust {
            trustedAddresses = java.util.List.copyOf(trustedAddresses);
            for (String a : trustedAddresses) {
                try {
                    io.partita.coordinator.common.AddressBlock.parse(a);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("trusted-workers: " + e.getMessage());
                }
            }
        }
    }

    /** Default bind address: the loopback interface only (docs/security.md). */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Default HTTP port. */
    public static final int DEFAULT_PORT = 8080;

    /** Default data directory, relative to the working directory. */
    public static final Path DEFAULT_DATA_DIR = Path.of("partita-data");

    /** Default limit on partitions per job. */
    public static final int DEFAULT_MAX_PARTITIONS = 10_000_000;

    /** Default limit on HTTP request bodies: 4 MiB. */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 4L << 20;

    /** Default limit on worker protocol messages: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

    /** Default heartbeat interval. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

    /** Default batch size. */
    public static final int DEFAULT_MAX_BATCH = 512;

    /** Default bound of the call cache: 256 MiB. */
    public static final long DEFAULT_CACHE_MAX_BYTES = 256L << 20;

    /** Default time limit of a grid call's execution. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(5);

    /** Default size of a dataset's splits: 8 MiB. */
    public static final long DEFAULT_CHUNK_BYTES = 8L << 20;

    /** Smallest split size a dataset may ask for: 4 KiB. */
    public static final long MIN_CHUNK_BYTES = 4L << 10;

    /** Largest split size a dataset may ask for: 1 GiB. */
    public static final long MAX_CHUNK_BYTES = 1L << 30;

    /** Default limit on worker connections per IP address and minute. */
    public static final int DEFAULT_CONNECTIONS_PER_MINUTE = 120;

    /** Default limit on a dataset's size: 4 GiB. */
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 4L << 30;

    /** Default limit on one data task output: 256 MiB. */
    public static final long DEFAULT_MAX_TASK_OUTPUT_BYTES = 256L << 20;

    /** Default time a WebSocket has to send its hello. */
    public static final Duration DEFAULT_HELLO_TIMEOUT = Duration.ofSeconds(10);

    /** Default time an HTTP connection has to send a request's headers. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);

    /** Default limit on open WebSocket connections per IP address. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 1024;

    /** Validates every field; use {@link #builder()} rather than calling this directly. */
    public CoordinatorConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(storeUrl, "storeUrl");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        require(!host.isBlank(), "host must not be blank");
        require(port >= 0 && port <= 65535, "port must be between 0 and 65535, was " + port);
        require(maxPartitions >= 1, "max-partitions must be at least 1, was " + maxPartitions);
        require(maxRequestBytes >= 1024, "max-request-bytes must be at least 1024, was " + maxRequestBytes);
        require(maxFrameBytes >= 1024, "max-frame-bytes must be at least 1024, was " + maxFrameBytes);
        require(
                !heartbeatInterval.isNegative() && heartbeatInterval.toMillis() >= 10,
                "heartbeat-interval must be at least 10ms, was " + heartbeatInterval);
        require(maxBatch >= 1 && maxBatch <= 100_000, "max-batch must be between 1 and 100000, was " + maxBatch);
        allowedOrigins = java.util.List.copyOf(Objects.requireNonNull(allowedOrigins, "allowedOrigins"));
        for (String origin : allowedOrigins) {
            require(
                    origin.matches("https?://[^/\\s]+") || origin.equals("null"),
                    "allowed-origin must be scheme://host[:port] without a path, was '" + origin + "'");
        }
        Objects.requireNonNull(callTimeout, "callTimeout");
        require(cacheMaxBytes >= 0, "cache-max-bytes must not be negative, was " + cacheMaxBytes);
        require(
                !callTimeout.isNegative() && callTimeout.toMillis() >= 1,
                "call-timeout must be at least 1ms, was " + callTimeout);
        require(connectionsPerMinute >= 0, "connections-per-minute must not be negative, was " + connectionsPerMinute);
        importDirs = java.util.List.copyOf(Objects.requireNonNull(importDirs, "importDirs")).stream()
                .map(p -> p.toAbsolutePath().normalize())
                .toList();
        require(
                chunkBytes >= MIN_CHUNK_BYTES && chunkBytes <= MAX_CHUNK_BYTES,
                "chunk-size must be between 4KiB and 1GiB, was " + chunkBytes);
        allowFetch = java.util.List.copyOf(Objects.requireNonNull(allowFetch, "allowFetch"));
        new io.partita.coordinator.common.FetchGuard(allowFetch); // rejects a bad entry
        require(maxUploadBytes >= 1024, "max-upload must be at least 1024 bytes, was " + maxUploadBytes);
        require(maxTaskOutputBytes >= 1024, "max-task-output must be at least 1024 bytes, was " + maxTaskOutputBytes);
        Objects.requireNonNull(helloTimeout, "helloTimeout");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        require(helloTimeout.toMillis() >= 10, "hello-timeout must be at least 10ms, was " + helloTimeout);
        require(headerTimeout.toMillis() >= 1000, "header-timeout must be at least 1s, was " + headerTimeout);
        require(maxConnections >= 0, "max-connections must not be negative, was " + maxConnections);
        require(maxConnectionsPerIp >= 0, "max-connections-per-ip must not be negative, was " + maxConnectionsPerIp);
        Objects.requireNonNull(metricsHost, "metricsHost");
        Objects.requireNonNull(localWorkers, "localWorkers");
        require(
                metricsPort >= 0 && metricsPort <= 65535,
                "metrics-port must be between 0 and 65535, was " + metricsPort);
        metricsHost.ifPresent(h -> require(!h.isBlank(), "metrics-host must not be blank"));
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(tlsCert, "tlsCert");
        Objects.requireNonNull(tlsKey, "tlsKey");
        require(tlsCert.isPresent() == tlsKey.isPresent(), "tls-cert and tls-key go together: give both or neither");
        Objects.requireNonNull(publicUrl, "publicUrl");
        publicUrl.ifPresent(u -> require(
                ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                        && u.getHost() != null
                        && (u.getRawPath() == null
                                || u.getRawPath().isEmpty()
                                || u.getRawPath().equals("/"))
                        && u.getRawQuery() == null
                        && u.getRawFragment() == null
                        && u.getRawUserInfo() == null,
                "public-url must be http(s)://host[:port] without a path, query or user, was '" + u + "'"));
        publicUrl = publicUrl.map(u -> java.net.URI.create(u.getScheme() + "://" + u.getRawAuthority()));
        allowedHosts = java.util.List.copyOf(Objects.requireNonNull(allowedHosts, "allowedHosts")).stream()
                .map(h -> h.strip().toLowerCase(java.util.Locale.ROOT))
                .toList();
        for (String h : allowedHosts) {
            require(
                    h.equals("*") || h.matches("(\\*\\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\\.?"),
                    "allowed-host must be a host name without scheme or port (or *), was '" + h + "'");
        }
        storeUrl.ifPresent(url -> require(
                url.startsWith("jdbc:sqlite:") || url.startsWith("jdbc:postgresql:"),
                "store must be a jdbc:sqlite: or jdbc:postgresql: URL, was " + url));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Whether the main port serves HTTPS and WSS ({@link #tlsCert()} is set). */
    public boolean tls() {
        return tlsCert.isPresent();
    }

    /** The JDBC URL of the store this configuration selects. */
    public String effectiveStoreUrl() {
        return storeUrl.orElseGet(
                () -> "jdbc:sqlite:" + dataDir.resolve("partita.db").toAbsolutePath());
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder of {@link CoordinatorConfig}; not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private java.util.List<Path> importDirs = java.util.List.of();
        private java.util.List<String> allowFetch = java.util.List.of();
        private long maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
        private long maxTaskOutputBytes = DEFAULT_MAX_TASK_OUTPUT_BYTES;
        private Duration helloTimeout = DEFAULT_HELLO_TIMEOUT;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private int maxConnections = 0;
        private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
        private long chunkBytes = DEFAULT_CHUNK_BYTES;
        private Trust trust = Trust.STRICT;
        private int port = DEFAULT_PORT;
        private Path dataDir = DEFAULT_DATA_DIR;
        private Optional<String> storeUrl = Optional.empty();
        private int maxPartitions = DEFAULT_MAX_PARTITIONS;
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private java.util.List<String> allowedOrigins = java.util.List.of();
        private int connectionsPerMinute = DEFAULT_CONNECTIONS_PER_MINUTE;
        private long cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private boolean auth = true;
        private boolean anonymousWorkers = true;
        private Optional<String> metricsHost = Optional.empty();
        private int metricsPort = 0;
        private int localWorkers = 0;
        private long localWorkerHeap = 0;
        private java.util.List<String> localWorkerEntryPoint = LocalWorkers.DEFAULT_ENTRY_POINT;

        /**
         * Sets the slots of {@link CoordinatorConfig#localWorkers()}: tasks the local worker
         * processes run at once; 0 (the default) starts none.
         */
        public Builder localWorkers(int slots) {
            this.localWorkers = slots;
            return this;
        }

        /** Sets the heap cap of each local worker process in bytes; 0 (the default) picks one. */
        public Builder localWorkerHeap(long bytes) {
            this.localWorkerHeap = bytes;
            return this;
        }

        /** Sets the main class and leading arguments that start a local worker (tests of the supervisor). */
        public Builder localWorkerEntryPoint(java.util.List<String> mainClassAndArguments) {
            this.localWorkerEntryPoint = mainClassAndArguments;
            return this;
        }

        private final Limits.Builder limits = Limits.builder();
        private Optional<Path> tlsCert = Optional.empty();
        private Optional<Path> tlsKey = Optional.empty();
        private Optional<java.net.URI> publicUrl = Optional.empty();
        private java.util.List<String> allowedHosts = java.util.List.of();

        /** Sets {@link CoordinatorConfig#tlsCert()}; null for none. */
        public Builder tlsCert(Path value) {
            this.tlsCert = Optional.ofNullable(value);
            return this;
        }

        /** Sets {@link CoordinatorConfig#tlsKey()}; null for none. */
        public Builder tlsKey(Path value) {
            this.tlsKey = Optional.ofNullable(value);
            return this;
        }

        /**
         * Sets {@link CoordinatorConfig#publicUrl()}; null or blank for none.
         *
         * @throws IllegalArgumentException if it is not a URL
         */
        public Builder publicUrl(String value) {
            if (value == null || value.isBlank()) {
                this.publicUrl = Optional.empty();
                return this;
            }
            try {
                this.publicUrl = Optional.of(new java.net.URI(value.strip()));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("public-url is not a URL: '" + value + "'");
            }
            return this;
        }

        /** Sets {@link CoordinatorConfig#allowedHosts()}. */
        public Builder allowedHosts(java.util.List<String> value) {
            this.allowedHosts = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#metricsHost()}; null or blank for none. */
        public Builder metricsHost(String value) {
            this.metricsHost = value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
            return this;
        }

        /** Sets {@link CoordinatorConfig#metricsPort()}. */
        public Builder metricsPort(int value) {
            this.metricsPort = value;
            return this;
        }

        private Builder() {}

        /** Sets {@link CoordinatorConfig#auth()}. */
        public Builder auth(boolean value) {
            this.auth = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#anonymousWorkers()}. */
        public Builder anonymousWorkers(boolean value) {
            this.anonymousWorkers = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#cacheMaxBytes()}. */
        public Builder cacheMaxBytes(long value) {
            this.cacheMaxBytes = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#callTimeout()}. */
        public Builder callTimeout(Duration value) {
            this.callTimeout = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#allowedOrigins()}. */
        public Builder allowedOrigins(java.util.List<String> value) {
            this.allowedOrigins = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#connectionsPerMinute()}. */
        public Builder connectionsPerMinute(int value) {
            this.connectionsPerMinute = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#host()}. */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#port()}. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#dataDir()}. */
        public Builder dataDir(Path value) {
            this.dataDir = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#storeUrl()}; a blank value selects the embedded store. */
        public Builder storeUrl(String value) {
            this.storeUrl = value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxPartitions()}. */
        public Builder maxPartitions(int value) {
            this.maxPartitions = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxRequestBytes()}. */
        public Builder maxRequestBytes(long value) {
            this.maxRequestBytes = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxFrameBytes()}. */
        public Builder maxFrameBytes(int value) {
            this.maxFrameBytes = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#heartbeatInterval()}. */
        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxBatch()}. */
        public Builder maxBatch(int value) {
            this.maxBatch = value;
            return this;
        }

        /** Validates and builds the configuration. */
        public CoordinatorConfig build() {
            return new CoordinatorConfig(
                    host,
                    port,
                    dataDir,
                    storeUrl,
                    maxPartitions,
                    maxRequestBytes,
                    maxFrameBytes,
                    heartbeatInterval,
                    maxBatch,
                    allowedOrigins,
                    connectionsPerMinute,
                    cacheMaxBytes,
                    callTimeout,
                    importDirs,
                    chunkBytes,
                    allowFetch,
                    maxUploadBytes,
                    maxTaskOutputBytes,
                    helloTimeout,
                    headerTimeout,
                    maxConnections,
                    maxConnectionsPerIp,
                    trust,
                    auth,
                    anonymousWorkers,
                    metricsHost,
                    metricsPort,
                    quotas,
                    new LocalWorkers(localWorkers, localWorkerHeap, localWorkerEntryPoint),
                    limits.build(),
                    tlsCert,
                    tlsKey,
                    publicUrl,
                    allowedHosts);
        }

        private io.partita.coordinator.auth.Quotas quotas = io.partita.coordinator.auth.Quotas.DEFAULT;

        /** Sets {@link CoordinatorConfig#quotas()}. */
        public Builder quotas(io.partita.coordinator.auth.Quotas value) {
            this.quotas = java.util.Objects.requireNonNull(value, "quotas");
            return this;
        }

        /** Sets {@link CoordinatorConfig#allowFetch()}. */
        public Builder allowFetch(java.util.List<String> value) {
            this.allowFetch = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxUploadBytes()}. */
        public Builder maxUploadBytes(long value) {
            this.maxUploadBytes = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxTaskOutputBytes()}. */
        public Builder maxTaskOutputBytes(long value) {
            this.maxTaskOutputBytes = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#helloTimeout()}. */
        public Builder helloTimeout(Duration value) {
            this.helloTimeout = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#headerTimeout()}. */
        public Builder headerTimeout(Duration value) {
            this.headerTimeout = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxConnections()}. */
        public Builder maxConnections(int value) {
            this.maxConnections = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#maxConnectionsPerIp()}. */
        public Builder maxConnectionsPerIp(int value) {
            this.maxConnectionsPerIp = value;
            return this;
        }

        /** Sets {@link CoordinatorConfig#trust()}. */
        public Builder trust(Trust value) {
            this.trust = Objects.requireNonNull(value, "trust");
            return this;
        }

        /** Sets {@link CoordinatorConfig#importDirs()}. */
        public Builder importDirs(java.util.List<Path> value) {
            this.importDirs = value;
            return this;
        }

        // ------------------------------------------------ the bounds of issue 18's second round

        /** Sets {@link Limits#maxCombineInputBytes()}. */
        public Builder maxCombineInputBytes(long value) {
            limits.maxCombineInputBytes(value);
            return this;
        }

        /** Sets {@link Limits#maxTaskFailuresPerMinute()}. */
        public Builder maxTaskFailuresPerMinute(int value) {
            limits.maxTaskFailuresPerMinute(value);
            return this;
        }

        /** Sets {@link Limits#maxJobEventBytes()}. */
        public Builder maxJobEventBytes(long value) {
            limits.maxJobEventBytes(value);
            return this;
        }

        /** Sets {@link Limits#eventRetention()}. */
        public Builder eventRetention(Duration value) {
            limits.eventRetention(value);
            return this;
        }

        /** Sets {@link Limits#browserTaskCap()}. */
        public Builder browserTaskCap(Duration value) {
            limits.browserTaskCap(value);
            return this;
        }

        /** Sets {@link Limits#requestsPerSecond()}. */
        public Builder requestsPerSecond(int value) {
            limits.requestsPerSecond(value);
            return this;
        }

        /** Sets {@link CoordinatorConfig#chunkBytes()}. */
        public Builder chunkBytes(long value) {
            this.chunkBytes = value;
            return this;
        }
    }
}
