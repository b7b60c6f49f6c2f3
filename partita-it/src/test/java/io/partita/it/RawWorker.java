package io.partita.it;

import io.partita.protocol.Codec;
import io.partita.protocol.Message;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A hand-driven protocol peer for tests: sends whatever it is told, records what comes back. */
final class RawWorker implements WebSocket.Listener, AutoCloseable {
    record Closed(int code, String reason) {}

    final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket ws;

    RawWorker(URI coordinator) {
        this(coordinator, java.util.Map.of());
    }

    /** Connects with extra handshake headers (e.g. {@code Origin}, as a browser sends). */
    RawWorker(URI coordinator, java.util.Map<String, String> headers) {
        this(coordinator, headers, "");
    }

    /** Connects with extra handshake headers and a query string (e.g. {@code ?volunteer=KEY}). */
    RawWorker(URI coordinator, java.util.Map<String, String> headers, String query) {
        URI uri = URI.create("ws://" + coordinator.getRawAuthority() + "/ws/worker" + query);
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(builder::header);
        ws = builder.buildAsync(uri, this).join();
    }

    /** A hello with 16 slots, so that only its credits limit what it is sent. */
    static Message.Hello hello(List<String> functions) {
        return new Message.Hello(
                Message.VERSION, "java", "raw", List.of("java"), 1, 1 << 20, functions, 16, java.util.Map.of());
    }

    void send(Message m) {
        sendText(Codec.encode(m));
    }

    void sendText(String text) {
        ws.sendText(text, true).join();
    }

    @SuppressWarnings("unchecked")
    <T extends Message> T await(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Message m = received.poll(100, TimeUnit.MILLISECONDS);
            if (type.isInstance(m)) {
                return (T) m;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 20 s");
    }

    Closed awaitClosed() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            received.add(Codec.decode(partial.toString()));
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Closed(-1, String.valueOf(error)));
    }

    @Override
    public void close() {
        ws.abort();
    }
}
