package io.partita.coordinator.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.sched.CallRun;
import io.partita.protocol.CloseCodes;
import io.partita.protocol.CoordinatorCallSession;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection ({@code /ws/client}, used by {@code PartitaClient}): the transport of a
 * {@link CoordinatorCallSession}, which reads the calls, checks them, answers each exactly once and
 * batches the answers (the wire format is in {@code ClientCallSession}'s documentation and
 * docs/calls.md); this class hands each call to the {@link CallService} and moves frames. A client
 * may have any number of calls in flight; a bad request is answered with an error and the
 * connection stays open. One instance per connection.
 */
public final class ClientEndpoint implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(ClientEndpoint.class);

    private final CallService calls;
    private final ConnectionGate gate;
    private final CoordinatorCallSession protocol;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private volatile WsSession session;
    private final io.partita.coordinator.auth.Ownership ownership;
    private volatile io.partita.coordinator.common.Principal principal = io.partita.coordinator.common.Principal.OPEN;

    /**
     * A client connection's session: calls go to {@code calls}; frames are at most {@code
     * maxFrameBytes}; a browser page of an origin {@code gate} does not allow may not connect.
     */
    public ClientEndpoint(
            CallService calls,
            ObjectMapper mapper,
            int maxFrameBytes,
            ConnectionGate gate,
            io.partita.coordinator.auth.Ownership ownership) {
        this.ownership = ownership;
        this.gate = gate;
        this.calls = calls;
        this.protocol = new CoordinatorCallSession(mapper, maxFrameBytes, new Transport(), this::call);
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        gate.checkHost(headers);
        Optional<String> refused =
                gate.refuseClientOrigin(headers.first(HeaderNames.ORIGIN), headers.first(HeaderNames.HOST));
        if (refused.isPresent()) {
            // Helidon then routes the request as plain HTTP: ConnectionGate.routing answers 403 and logs.
            throw new WsUpgradeException(refused.get());
        }
        principal = gate.clientPrincipal(prologue, headers, "client");
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        this.session = session;
        InetAddress address =
                session.socketContext().remotePeer().address() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (!gate.admitOpen(address, Thread.currentThread(), "client")) {
            protocol.closed();
            session.close(CloseCodes.TRY_AGAIN, gate.perIpRefusal());
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        protocol.receiveText(text, last);
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        protocol.receiveBinary();
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        protocol.closed();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("Client connection error", t);
        protocol.closed();
    }

    /** Starts a call; a request the {@link CallService} refuses is answered with its error. */
    private CompletionStage<CoordinatorCallSession.Outcome> call(JsonNode function, JsonNode args) {
        CallService.Request request;
        try {
            if (function != null && function.isTextual()) {
                ownership.require(
                        io.partita.coordinator.auth.Ownership.Kind.FUNCTION,
                        function.textValue(),
                        principal,
                        "no function named '" + function.textValue() + "'");
            }
            request = calls.request(function, args);
            // an outcome already known (a cache hit) stays complete, so it is answered on this thread
            return calls.submit(request, principal.tenant()).thenApply(ClientEndpoint::outcome);
        } catch (PartitaException e) {
            throw new CoordinatorCallSession.RefusedException(e.code(), e.getMessage(), e.field());
        }
    }

    private static CoordinatorCallSession.Outcome outcome(CallRun.Outcome outcome) {
        return new CoordinatorCallSession.Outcome(outcome.ok(), outcome.value(), outcome.cached(), outcome.error());
    }

    /** Writes on the WebSocket. */
    private final class Transport implements CoordinatorCallSession.Transport {
        @Override
        public void send(String text) {
            try {
                session.send(text, true);
            } catch (RuntimeException e) {
                log.debug("Cannot write to a client connection", e);
                throw e;
            }
        }

        /**
         * Answers completed on another thread (the one that received a worker's result) are written
         * by a virtual thread, so that a slow client never holds up a worker's connection.
         */
        @Override
        public void outputReady() {
            if (flushScheduled.compareAndSet(false, true)) {
                Thread.ofVirtual().name("partita-client-sender").start(() -> {
                    flushScheduled.set(false);
                    protocol.flush();
                });
            }
        }

        @Override
        public void close(int code, String reason) {
            session.close(code, reason);
        }
    }
}
