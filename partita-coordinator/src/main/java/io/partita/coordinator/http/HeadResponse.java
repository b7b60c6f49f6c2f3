package io.partita.coordinator.http;

import io.helidon.common.GenericType;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The response to a {@code HEAD} request, handled by the {@code GET} route's handler: the same
 * status and headers, {@code Content-Length} the length of the body a {@code GET} would get, and
 * no body.
 *
 * <p>Helidon 4.3 sends whatever a handler sends, also for {@code HEAD}, so the handler is given this
 * wrapper: it sends the headers with an empty body. It relies on Helidon keeping a {@code
 * Content-Length} header the handler set when it sends an empty byte array. A streamed body
 * ({@link #outputStream()}) is counted and dropped, and sent as a {@code Content-Length} when the
 * handler closes the stream. Not for event streams ({@link #sink}): they never end. One per request,
 * on the request's thread.
 */
final class HeadResponse implements ServerResponse {
    private static final byte[] NO_BODY = new byte[0];

    private final ServerResponse delegate;

    HeadResponse(ServerResponse delegate) {
        this.delegate = delegate;
    }

    @Override
    public ServerResponse status(Status status) {
        delegate.status(status);
        return this;
    }

    @Override
    public Status status() {
        return delegate.status();
    }

    @Override
    public ServerResponse header(Header header) {
        delegate.header(header);
        return this;
    }

    @Override
    public void send() {
        delegate.send();
    }

    @Override
    public void send(byte[] bytes) {
        sendLength(bytes.length);
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        sendLength(length);
    }

    @Override
    public void send(Object entity) {
        switch (entity) {
            case byte[] bytes -> send(bytes);
            case String text -> send(text.getBytes(StandardCharsets.UTF_8));
            default ->
                throw new UnsupportedOperationException(
                        "HEAD of a " + entity.getClass().getName() + " entity");
        }
    }

    private void sendLength(long length) {
        if (!delegate.headers().contains(HeaderNames.CONTENT_LENGTH)) {
            delegate.headers().contentLength(length);
        }
        delegate.send(NO_BODY);
    }

    @Override
    public boolean isSent() {
        return delegate.isSent();
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            private long count;
            private boolean closed;

            @Override
            public void write(int b) {
                count++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count += len;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    sendLength(count);
                }
            }
        };
    }

    @Override
    public long bytesWritten() {
        return delegate.bytesWritten();
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        delegate.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        delegate.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        delegate.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        delegate.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return delegate.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return delegate.trailers();
    }

    @Override
    public void streamResult(String result) {
        delegate.streamResult(result);
    }

    @Override
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        throw new UnsupportedOperationException("HEAD of an event stream");
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        delegate.streamFilter(filterFunction);
    }
}
