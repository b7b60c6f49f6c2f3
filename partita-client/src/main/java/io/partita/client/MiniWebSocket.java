package io.partita.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small WebSocket client (RFC 6455) over a blocking socket: text messages only, one reading
 * thread. Written for latency: the JDK's {@code java.net.http.WebSocket} hands every message
 * between threads several times and costs about 200 µs a round trip on a loopback where this one
 * needs about 50 (docs/benchmarks.md).
 */
final class MiniWebSocket implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_MESSAGE = 64 << 20;

    /** Receives what the connection reads, on its reading thread. */
    interface Listener {
        void onText(String text);

        void onClosed(String reason);
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Listener listener;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile boolean closed;

    private MiniWebSocket(Socket socket, InputStream in, OutputStream out, Listener listener) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.listener = listener;
    }

    /**
     * An unconnected TLS socket that checks the server's certificate against {@code host} (a plain
     * {@code SSLSocket} checks the chain only: without endpoint identification any certificate a
     * trusted CA issued to anyone would do).
     */
    private static Socket tlsSocket(String host, java.util.Optional<javax.net.ssl.SSLContext> tls) throws IOException {
        javax.net.ssl.SSLSocketFactory factory;
        try {
            factory = tls.isPresent()
                    ? tls.get().getSocketFactory()
                    : javax.net.ssl.SSLContext.getDefault().getSocketFactory();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException("no TLS context: " + e.getMessage(), e);
        }
        javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) factory.createSocket();
        javax.net.ssl.SSLParameters params = socket.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!name.contains(":") && !name.matches("[0-9.]+")) {
            params.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(name)));
        }
        socket.setSSLParameters(params);
        return socket;
    }

    /** Connects to a {@code ws://} or {@code wss://} URI, completes the handshake, starts reading. */
    static MiniWebSocket connect(URI uri, Duration timeout, Listener listener) throws IOException {
        return connect(uri, timeout, java.util.Optional.empty(), listener);
    }

    /** Connects like {@link #connect(URI, Duration, Listener)}, presenting {@code token} as a bearer token. */
    static MiniWebSocket connect(URI uri, Duration timeout, java.util.Optional<String> token, Listener listener)
            throws IOException {
        return connect(uri, timeout, token, java.util.Optional.empty(), listener);
    }

    /**
     * Connects like {@link #connect(URI, Duration, java.util.Optional, Listener)}; a {@code wss://}
     * URI is checked with {@code tls} (else the JVM's default context), host name included.
     */
    static MiniWebSocket connect(
            URI uri,
            Duration timeout,
            java.util.Optional<String> token,
            java.util.Optional<javax.net.ssl.SSLContext> tls,
            Listener listener)
            throws IOException {
        boolean secure = "wss".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
        Socket socket = secure ? tlsSocket(uri.getHost(), tls) : new Socket();
        try {
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String request = "GET " + path + " HTTP/1.1\r\n"
                    + "Host: " + uri.getHost() + ":" + port + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + token.map(t -> "Authorization: Bearer " + t + "\r\n").orElse("")
                    + "\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = line(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("the server refused the WebSocket upgrade: " + status);
            }
            String accept = null;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                if (colon > 0
                        && header.substring(0, colon)
                                .trim()
                                .toLowerCase(Locale.ROOT)
                                .equals("sec-websocket-accept")) {
                    accept = header.substring(colon + 1).trim();
                }
            }
            if (!expectedAccept(key).equals(accept)) {
                throw new IOException("the server's Sec-WebSocket-Accept does not match");
            }
            socket.setSoTimeout(0);
            MiniWebSocket ws = new MiniWebSocket(socket, in, out, listener);
            Thread.ofPlatform().name("partita-client-reader").daemon(true).start(ws::read);
            return ws;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed during the handshake");
            }
            if (b == '\n') {
                int end = sb.length();
                return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
            }
            if (sb.length() > 8192) {
                throw new IOException("handshake line too long");
            }
            sb.append((char) b);
        }
    }

    /** Sends one text message (a masked frame, as clients must). Thread-safe. */
    void sendText(String text) throws IOException {
        frame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    private void frame(int opcode, byte[] payload) throws IOException {
        if (closed) {
            throw new IOException("the connection is closed");
        }
        int mask = ThreadLocalRandom.current().nextInt();
        byte[] m = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
        writeLock.lock();
        try {
            out.write(0x80 | opcode);
            int n = payload.length;
            if (n < 126) {
                out.write(0x80 | n);
            } else if (n < 65536) {
                out.write(0x80 | 126);
                out.write(n >>> 8);
                out.write(n);
            } else {
                out.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    out.write((int) ((long) n >>> shift));
                }
            }
            out.write(m);
            byte[] masked = new byte[n];
            for (int i = 0; i < n; i++) {
                masked[i] = (byte) (payload[i] ^ m[i & 3]);
            }
            out.write(masked);
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    private void read() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        String reason = "the connection closed";
        try {
            while (!closed) {
                int b0 = in.read();
                int b1 = in.read();
                if (b0 < 0 || b1 < 0) {
                    break;
                }
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0f;
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = (read1() << 8) | read1();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | read1();
                    }
                }
                if (len > MAX_MESSAGE || message.size() + len > MAX_MESSAGE) {
                    reason = "a message from the server is larger than " + MAX_MESSAGE + " bytes";
                    break;
                }
                byte[] payload = in.readNBytes((int) len);
                if (payload.length < len) {
                    break;
                }
                switch (opcode) {
                    case 0x0, 0x1 -> {
                        message.write(payload);
                        if (fin) {
                            String text = message.toString(StandardCharsets.UTF_8);
                            message.reset();
                            listener.onText(text);
                        }
                    }
                    case 0x8 -> {
                        reason = "the coordinator closed the connection"
                                + (payload.length > 2
                                        ? " (" + new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                                                + ")"
                                        : "");
                        try {
                            frame(0x8, new byte[0]);
                        } catch (IOException e) {
                            // closing anyway
                        }
                        closed = true;
                    }
                    case 0x9 -> frame(0xA, payload);
                    default -> {} // pong or binary: nothing for us
                }
            }
        } catch (IOException e) {
            reason = closed ? "the client is closed" : "the connection to the coordinator failed: " + e.getMessage();
        } finally {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                // closed
            }
            listener.onClosed(reason);
        }
    }

    private long read1() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the connection closed in a frame");
        }
        return b;
    }

    boolean isClosed() {
        return closed;
    }

    /** Sends a close frame and closes the socket. */
    @Override
    public void close() {
        if (!closed) {
            try {
                frame(0x8, new byte[] {0x03, (byte) 0xE8});
            } catch (IOException e) {
                // closing anyway
            }
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed
        }
    }
}
