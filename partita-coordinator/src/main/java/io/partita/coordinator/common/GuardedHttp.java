package io.partita.coordinator.common;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small HTTP/1.1 client for the URLs that API clients hand the coordinator (dataset imports,
 * {@code code.url}), guarded against server-side request forgery by a {@link FetchGuard}.
 * Thread-safe: each fetch has its own socket.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it resolves host names itself, so a check of the
 * addresses made beforehand could be answered differently by DNS when it connects (rebinding), and
 * it follows redirects without asking. Here every hop is resolved once, checked, and connected to
 * by the checked address (TLS still verifies the host name, and SNI carries it); redirects are
 * followed by hand, at most {@value #MAX_REDIRECTS}, each checked again. Errors never carry the
 * body of a response, only its status.
 */
public final class GuardedHttp {
    /** Most redirects followed for one fetch. */
    public static final int MAX_REDIRECTS = 5;

    private static final int MAX_HEADER_LINE = 8 << 10;
    private static final int MAX_HEADERS = 100;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    private final FetchGuard guard;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    /**
     * @param readTimeout longest silence while reading a response; the whole fetch has the limit its
     *     caller gives
     */
    public GuardedHttp(FetchGuard guard, Duration connectTimeout, Duration readTimeout) {
        this.guard = guard;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** A response with a 2xx status: its body, to be closed by the caller. */
    public record Response(int status, long contentLength, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Fetches {@code url} with {@code GET}, following redirects.
     *
     * @param field the request field to name in errors
     * @throws PartitaException (422 naming {@code field}) for a URL that is not http or https, a
     *     refused destination (also after a redirect), too many redirects, or a status other than 2xx
     * @throws IOException if the server cannot be reached or the connection fails; its message is
     *     the coordinator's, never the server's text
     */
    public Response get(String url, String field, Duration deadline) throws IOException {
        URI uri = parse(url, field);
        long end = System.nanoTime() + deadline.toNanos();
        for (int hop = 0; ; hop++) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw PartitaException.invalid(
                        field,
                        field + (hop == 0 ? "" : " redirected to a URL that") + " must be http or https, was " + scheme
                                + ":");
            }
            if (uri.getRawUserInfo() != null) {
                throw PartitaException.invalid(field, field + " must not carry a user name or password");
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                throw PartitaException.invalid(field, field + " has no host: " + uri);
            }
            InetAddress address = guard.resolve(host, field);
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            Socket socket = connect(address, port, host, scheme.equals("https"));
            boolean handedOver = false;
            try {
                socket.setSoTimeout((int) Math.max(1, readTimeout.toMillis()));
                String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                if (uri.getRawQuery() != null) {
                    path += "?" + uri.getRawQuery();
                }
                String hostHeader = host + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader
                                + "\r\nUser-Agent: partita-coordinator\r\nAccept-Encoding: identity\r\n"
                                + "Connection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                InputStream in = new DeadlineStream(socket.getInputStream(), end);
                String statusLine = line(in);
                String[] parts = statusLine.split(" ", 3);
                int status;
                try {
                    status = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
                } catch (NumberFormatException e) {
                    status = -1;
                }
                if (status < 100 || status > 599) {
                    throw new IOException("the server did not answer with HTTP");
                }
                Map<String, String> headers = new HashMap<>();
                for (int n = 0; ; n++) {
                    String header = line(in);
                    if (header.isEmpty()) {
                        break;
                    }
                    if (n >= MAX_HEADERS) {
                        throw new IOException("the server sent more than " + MAX_HEADERS + " headers");
                    }
                    int colon = header.indexOf(':');
                    if (colon > 0) {
                        headers.put(
                                header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                header.substring(colon + 1).trim());
                    }
                }
                if (REDIRECTS.contains(status) && headers.containsKey("location")) {
                    if (hop >= MAX_REDIRECTS) {
                        throw PartitaException.invalid(
                                field, field + " redirected more than " + MAX_REDIRECTS + " times");
                    }
                    try {
                        uri = uri.resolve(new URI(headers.get("location")));
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        throw PartitaException.invalid(field, field + " redirected to a URL that is not valid");
                    }
                    continue;
                }
                if (status / 100 != 2) {
                    throw PartitaException.invalid(
                            field, "cannot fetch " + field + ": the server answered HTTP " + status);
                }
                String encoding = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
                long length = -1;
                InputStream body;
                if (encoding.contains("chunked")) {
                    body = new ChunkedStream(in);
                } else if (headers.containsKey("content-length")) {
                    try {
                        length = Long.parseLong(headers.get("content-length"));
                    } catch (NumberFormatException e) {
                        throw new IOException("the server sent a bad Content-Length");
                    }
                    body = new LimitedStream(in, length);
                } else {
                    body = in;
                }
                Socket owned = socket;
                handedOver = true;
                return new Response(status, length, new FilterInputStream(body) {
                    @Override
                    public void close() throws IOException {
                        owned.close();
                    }
                });
            } finally {
                if (!handedOver) {
                    socket.close();
                }
            }
        }
    }

    private static URI parse(String url, String field) {
        try {
            URI uri = new URI(url);
            if (!uri.isAbsolute()) {
                throw PartitaException.invalid(field, field + " must be an absolute http or https URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw PartitaException.invalid(field, field + " is not a valid URL");
        }
    }

    private Socket connect(InetAddress address, int port, String host, boolean tls) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address, port), (int) Math.max(1, connectTimeout.toMillis()));
            if (!tls) {
                return socket;
            }
            String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            SSLSocket ssl = (SSLSocket)
                    ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(socket, name, port, true);
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            if (!name.contains(":") && !name.matches("[0-9.]+")) {
                params.setServerNames(List.of(new SNIHostName(name)));
            }
            ssl.setSSLParameters(params);
            ssl.setSoTimeout((int) Math.max(1, readTimeout.toMillis()));
            ssl.startHandshake();
            return ssl;
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new IOException("connecting to " + host + ":" + port + " timed out");
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to " + host + ":" + port + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** A header line, without its CRLF, bounded in length. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                byte[] b = buffer.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (buffer.size() >= MAX_HEADER_LINE) {
                throw new IOException("the server sent a header line over " + MAX_HEADER_LINE + " bytes");
            }
            buffer.write(c);
        }
        throw new IOException("the server closed the connection before the end of its headers");
    }

    /** Fails a read once the fetch's deadline has passed; buffers small reads. */
    private static final class DeadlineStream extends FilterInputStream {
        private final long end;

        DeadlineStream(InputStream in, long end) {
            super(new java.io.BufferedInputStream(in, 1 << 16));
            this.end = end;
        }

        private void check() throws IOException {
            if (System.nanoTime() - end > 0) {
                throw new IOException("the fetch took longer than its time limit");
            }
        }

        @Override
        public int read() throws IOException {
            check();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return super.read(b, off, len);
        }
    }

    /** The first {@code remaining} bytes; fewer is an error. */
    private static final class LimitedStream extends FilterInputStream {
        private long remaining;

        LimitedStream(InputStream in, long length) {
            super(in);
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException("the server closed the connection before the end of the body");
            }
            remaining -= n;
            return n;
        }
    }

    /** Decodes a chunked body. */
    private static final class ChunkedStream extends InputStream {
        private final InputStream in;
        private long chunk;
        private boolean done;

        ChunkedStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunk == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                try {
                    chunk = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("the server sent a bad chunk size");
                }
                if (chunk < 0) {
                    throw new IOException("the server sent a bad chunk size");
                }
                if (chunk == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunk));
            if (n < 0) {
                throw new IOException("the server closed the connection inside a chunk");
            }
            chunk -= n;
            if (chunk == 0) {
                line(in); // the CRLF after the chunk
            }
            return n;
        }
    }
}
