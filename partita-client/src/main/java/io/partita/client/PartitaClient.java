package io.partita.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.partita.api.GridCallException;
import io.partita.protocol.ClientCallSession;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls grid functions of a Partita coordinator from any Java program: {@code call("examples/fib",
 * 30)} returns a future of the result. The client keeps one WebSocket connection ({@code
 * /ws/client}) and pipelines calls over it: any number may be in flight, requests queued together
 * go out in one message, answers come back in any order. Thread-safe; share one instance.
 *
 * <pre>{@code
 * try (PartitaClient client = PartitaClient.connect(URI.create("http://localhost:8080"))) {
 *     long fib = client.call(Long.class, "examples/fib", 90).get();
 * }
 * }</pre>
 *
 * <p>A call completes exceptionally with a {@link GridCallException} when the function fails (the
 * message is the function's error), when the coordinator refuses the call (unknown function, bad
 * arguments: the message names them), when the connection is lost while the call is in flight, or
 * when the call's {@link Builder#timeout(Duration) timeout} passes. A lost connection is opened
 * again by the next call. Futures complete on the connection's receiving thread: dependent actions
 * that block or take long should use the {@code ...Async} variants.
 */
public final class PartitaClient implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final URI endpoint;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final java.util.Optional<String> token;
    private final java.util.Optional<javax.net.ssl.SSLContext> tls;
    private final Object connectLock = new Object();
    private volatile Connection connection;
    private volatile boolean closed;

    private PartitaClient(Builder builder) {
        URI base = builder.coordinator;
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        this.endpoint = URI.create(scheme + "://" + base.getRawAuthority() + "/ws/client");
        this.timeout = builder.timeout;
        this.connectTimeout = builder.connectTimeout;
        this.token = builder.token;
        this.tls = builder.tls;
    }

    /** A client of the coordinator at {@code coordinator} (e.g. {@code http://localhost:8080}) with defaults. */
    public static PartitaClient connect(URI coordinator) {
        return builder(coordinator).build();
    }

    /** A builder for a client of the coordinator at {@code coordinator}. */
    public static Builder builder(URI coordinator) {
        return new Builder(coordinator);
    }

    /** Calls {@code function} with {@code args} (converted to JSON with Jackson); the result as JSON. */
    public CompletableFuture<JsonNode> call(String function, Object... args) {
        Objects.requireNonNull(function, "function");
        ArrayNode json;
        try {
            json = MAPPER.valueToTree(Arrays.asList(args == null ? new Object[] {null} : args));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new GridCallException("the arguments of " + function + " are not JSON: " + e.getMessage(), e));
        }
        return send(function, json);
    }

    /** Calls {@code function}, converting the result to {@code type}. */
    public <T> CompletableFuture<T> call(Class<T> type, String function, Object... args) {
        return convert(call(function, args), MAPPER.constructType(type), function);
    }

    /** Calls {@code function}, converting the result to a generic {@code type}. */
    public <T> CompletableFuture<T> call(TypeReference<T> type, String function, Object... args) {
        return convert(call(function, args), MAPPER.constructType(type), function);
    }

    private static <T> CompletableFuture<T> convert(
            CompletableFuture<JsonNode> result, JavaType type, String function) {
        return result.thenApply(node -> {
            try {
                return node == null || node.isNull() ? null : MAPPER.treeToValue(node, type);
            } catch (Exception e) {
                throw new CompletionException(new GridCallException(
                        function + " returned " + node + ", which does not fit " + type.getTypeName(), e));
            }
        });
    }

    private CompletableFuture<JsonNode> send(String function, ArrayNode args) {
        if (closed) {
            return CompletableFuture.failedFuture(new GridCallException("the client is closed"));
        }
        Connection c;
        try {
            c = connection();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(
                    new GridCallException("cannot connect to " + endpoint + ": " + e.getMessage(), e));
        }
        return c.session.call(function, args, timeout);
    }

    private Connection connection() {
        Connection c = connection;
        if (c != null && !c.session.isClosed()) {
            return c;
        }
        synchronized (connectLock) {
            c = connection;
            if (c == null || c.session.isClosed()) {
                c = new Connection();
                c.open();
                connection = c;
            }
            return c;
        }
    }

    /** Closes the connection; calls in flight fail. */
    @Override
    public void close() {
        closed = true;
        Connection c = connection;
        if (c != null) {
            c.session.lost("the client is closed");
        }
    }

    /**
     * One WebSocket connection: moves frames between the socket and its {@link ClientCallSession},
     * which keeps the calls in flight.
     */
    private final class Connection implements MiniWebSocket.Listener, ClientCallSession.Transport {
        final ClientCallSession session = new ClientCallSession(MAPPER, this);
        private final AtomicBoolean flushScheduled = new AtomicBoolean();
        private volatile MiniWebSocket ws;

        void open() {
            try {
                ws = MiniWebSocket.connect(endpoint, connectTimeout, token, tls, this);
            } catch (java.io.IOException e) {
                session.lost("cannot connect: " + e.getMessage());
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
        }

        @Override
        public void outputReady() {
            if (flushScheduled.compareAndSet(false, true)) {
                Thread.ofVirtual().name("partita-client-sender").start(() -> {
                    flushScheduled.set(false);
                    session.flush();
                });
            }
        }

        @Override
        public void send(String text) throws java.io.IOException {
            ws.sendText(text);
        }

        @Override
        public void close() {
            MiniWebSocket socket = ws;
            if (socket != null) {
                socket.close();
            }
        }

        @Override
        public void onText(String text) {
            session.receive(text);
        }

        @Override
        public void onClosed(String reason) {
            session.lost(reason);
        }
    }

    /** Settings of a {@link PartitaClient}. */
    public static final class Builder {
        private final URI coordinator;
        private Duration timeout = Duration.ofMinutes(5);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private java.util.Optional<String> token = java.util.Optional.empty();
        private java.util.Optional<javax.net.ssl.SSLContext> tls = java.util.Optional.empty();

        /**
         * The TLS context that checks an {@code https} coordinator's certificate; default the JVM's
         * (its trust store, or the one {@code javax.net.ssl.trustStore} names). For a self-signed or
         * private-CA certificate: {@code io.partita.protocol.TlsTrust.context(Path.of("ca.pem"))}.
         */
        public Builder sslContext(javax.net.ssl.SSLContext value) {
            this.tls = java.util.Optional.of(java.util.Objects.requireNonNull(value, "value"));
            return this;
        }

        private Builder(URI coordinator) {
            this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
            if (coordinator.getScheme() == null
                    || !(coordinator.getScheme().equals("http")
                            || coordinator.getScheme().equals("https"))
                    || coordinator.getRawAuthority() == null) {
                throw new IllegalArgumentException(
                        "coordinator must be an http(s)://host:port URL, was " + coordinator);
            }
        }

        /** How long a call may take before its future fails; default 5 minutes. */
        public Builder timeout(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + value);
            }
            this.timeout = value;
            return this;
        }

        /** How long connecting may take; default 10 seconds. */
        public Builder connectTimeout(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + value);
            }
            this.connectTimeout = value;
            return this;
        }

        /**
         * The API token (a submitter's or an admin's) presented when connecting, as {@code
         * Authorization: Bearer} (docs/security.md); default none, which a coordinator with
         * authentication on refuses.
         */
        public Builder token(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("token must not be blank");
            }
            this.token = java.util.Optional.of(value.strip());
            return this;
        }

        /** The client; it connects at its first call. */
        public PartitaClient build() {
            return new PartitaClient(this);
        }
    }
}
