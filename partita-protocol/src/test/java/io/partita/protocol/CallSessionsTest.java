package io.partita.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.partita.api.GridCallException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CallSessionsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration LONG = Duration.ofMinutes(1);

    private final List<String> toCoordinator = new ArrayList<>();
    private final List<String> toClient = new ArrayList<>();
    private int clientCloses;
    private int clientReady;
    private final List<String> serverCloses = new ArrayList<>();
    private int serverReady;
    private final List<CompletableFuture<CoordinatorCallSession.Outcome>> running = new ArrayList<>();

    private final ClientCallSession client = new ClientCallSession(MAPPER, new ClientCallSession.Transport() {
        @Override
        public void send(String text) {
            toCoordinator.add(text);
        }

        @Override
        public void outputReady() {
            clientReady++;
        }

        @Override
        public void close() {
            clientCloses++;
        }
    });

    private final CoordinatorCallSession server = new CoordinatorCallSession(
            MAPPER,
            300,
            new CoordinatorCallSession.Transport() {
                @Override
                public void send(String text) {
                    toClient.add(text);
                }

                @Override
                public void outputReady() {
                    serverReady++;
                }

                @Override
                public void close(int code, String reason) {
                    serverCloses.add(code + " " + reason);
                }
            },
            this::call);

    /** A coordinator that knows "twice" (answered at once), "slow" (answered later) and "fail". */
    private CompletableFuture<CoordinatorCallSession.Outcome> call(JsonNode function, JsonNode args) {
        String name = function == null ? "" : function.asText();
        return switch (name) {
            case "twice" ->
                CompletableFuture.completedFuture(new CoordinatorCallSession.Outcome(
                        true, IntNode.valueOf(args.get(0).asInt() * 2), false, null));
            case "fail" ->
                CompletableFuture.completedFuture(new CoordinatorCallSession.Outcome(false, null, false, "boom"));
            case "slow" -> {
                CompletableFuture<CoordinatorCallSession.Outcome> f = new CompletableFuture<>();
                running.add(f);
                yield f;
            }
            default ->
                throw new CoordinatorCallSession.RefusedException(
                        "not_found", "no function named '" + name + "'", Optional.of("function"));
        };
    }

    private JsonNode answer() throws Exception {
        assertThat(toClient).isNotEmpty();
        return MAPPER.readTree(toClient.remove(0));
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode args(int... values) {
        var array = JsonNodeFactory.instance.arrayNode();
        for (int v : values) {
            array.add(v);
        }
        return array;
    }

    // ---------------------------------------------------------------------------- client end

    @Test
    void loneCall_isSentAtOnce_andCompletedByItsAnswer() throws Exception {
        CompletableFuture<JsonNode> f = client.call("twice", args(21), LONG);

        assertThat(toCoordinator).containsExactly("{\"id\":1,\"function\":\"twice\",\"args\":[21]}");
        client.receive("{\"id\":1,\"ok\":true,\"result\":42,\"cached\":false}");
        assertThat(f.get()).isEqualTo(IntNode.valueOf(42));
        assertThat(client.pending()).isZero();
    }

    @Test
    void pipelinedCalls_waitForAFlush_andLeaveAsOneArray() throws Exception {
        client.call("slow", args(1), LONG);
        client.call("twice", args(2), LONG);
        client.call("twice", args(3), LONG);
        assertThat(toCoordinator).hasSize(1);
        assertThat(clientReady).isEqualTo(2);

        client.flush();

        assertThat(toCoordinator).hasSize(2);
        JsonNode batch = MAPPER.readTree(toCoordinator.get(1));
        assertThat(batch.isArray()).isTrue();
        assertThat(batch).extracting(n -> n.get("id").asLong()).containsExactly(2L, 3L);
    }

    @Test
    void answers_inAnArrayAndInAnyOrder_completeTheirCalls() throws Exception {
        CompletableFuture<JsonNode> a = client.call("f", args(), LONG);
        CompletableFuture<JsonNode> b = client.call("g", args(), LONG);
        client.receive("[{\"id\":2,\"ok\":false,\"error\":\"boom\",\"code\":\"failed\"},"
                + "{\"id\":1,\"ok\":true},{\"id\":null,\"ok\":false},{\"id\":77,\"ok\":true}]");

        assertThat(a.get()).isEqualTo(JsonNodeFactory.instance.nullNode());
        assertThatThrownBy(b::get).cause().isInstanceOf(GridCallException.class).hasMessage("boom");
        assertThat(client.isClosed()).isFalse();
    }

    @Test
    void unreadableAnswer_losesTheConnectionAndFailsEveryCall() {
        CompletableFuture<JsonNode> a = client.call("f", args(), LONG);
        client.receive("{oops");

        assertThatThrownBy(a::get)
                .cause()
                .isInstanceOf(GridCallException.class)
                .hasMessage("the coordinator sent an unreadable answer");
        assertThat(clientCloses).isEqualTo(1);
        assertThat(client.isClosed()).isTrue();
    }

    @Test
    void callAfterLoss_failsAtOnce() {
        client.lost("closed (1006)");
        CompletableFuture<JsonNode> f = client.call("f", args(), LONG);

        assertThatThrownBy(f::get)
                .cause()
                .isInstanceOf(GridCallException.class)
                .hasMessage("the connection to the coordinator was lost");
    }

    @Test
    void failedSend_losesTheConnection() {
        ClientCallSession broken = new ClientCallSession(MAPPER, new ClientCallSession.Transport() {
            @Override
            public void send(String text) throws java.io.IOException {
                throw new java.io.IOException("broken pipe");
            }

            @Override
            public void outputReady() {}

            @Override
            public void close() {}
        });
        CompletableFuture<JsonNode> f = broken.call("f", args(), LONG);

        assertThatThrownBy(f::get).cause().hasMessage("cannot send to the coordinator: broken pipe");
    }

    @Test
    void unansweredCall_timesOut_andIsForgotten() {
        CompletableFuture<JsonNode> f = client.call("f", args(), Duration.ofMillis(20));

        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TimeoutException.class);
        assertThat(client.pending()).isZero();
    }

    // ---------------------------------------------------------------------------- coordinator end

    @Test
    void request_isAnsweredOnTheReadingThread() throws Exception {
        server.receiveText("{\"id\":7,\"function\":\"twice\",\"args\":[4]}", true);

        assertThat(answer().toString()).isEqualTo("{\"id\":7,\"ok\":true,\"result\":8,\"cached\":false}");
    }

    @Test
    void arrayOfRequests_isAnsweredInOneArray_withTextIdsKept() throws Exception {
        server.receiveText(
                "[{\"id\":1,\"function\":\"twice\",\"args\":[1]},{\"id\":\"b\",\"function\":\"fail\"}]", true);

        assertThat(answer().toString())
                .isEqualTo("[{\"id\":1,\"ok\":true,\"result\":2,\"cached\":false},"
                        + "{\"id\":\"b\",\"ok\":false,\"error\":\"boom\",\"code\":\"failed\"}]");
    }

    @Test
    void requestWithoutId_isAnsweredInvalid_andTheConnectionStaysOpen() throws Exception {
        server.receiveText("{\"function\":\"twice\",\"args\":[1]}", true);
        server.receiveText("[3]", true);

        assertThat(answer().get("code").asText()).isEqualTo("invalid");
        assertThat(answer().get("id").isNull()).isTrue();
        assertThat(server.isClosed()).isFalse();
    }

    @Test
    void malformedJson_isAnsweredAtOnce() throws Exception {
        server.receiveText("{nope", true);

        JsonNode a = answer();
        assertThat(a.get("code").asText()).isEqualTo("malformed_json");
        assertThat(a.get("ok").asBoolean()).isFalse();
    }

    @Test
    void binaryFrame_isAnsweredInvalid() throws Exception {
        server.receiveBinary();

        assertThat(answer().get("error").asText()).isEqualTo("send calls as JSON text messages");
    }

    @Test
    void refusedCall_isAnsweredWithTheCodeAndField() throws Exception {
        server.receiveText("{\"id\":3,\"function\":\"nope\",\"args\":[]}", true);

        assertThat(answer().toString())
                .isEqualTo("{\"id\":3,\"ok\":false,\"error\":\"no function named 'nope'\",\"code\":\"not_found\","
                        + "\"field\":\"function\"}");
    }

    @Test
    void laterOutcome_asksTheTransportToFlush() throws Exception {
        server.receiveText("{\"id\":5,\"function\":\"slow\",\"args\":[]}", true);
        assertThat(toClient).isEmpty();

        running.get(0).complete(new CoordinatorCallSession.Outcome(true, IntNode.valueOf(1), true, null));
        assertThat(serverReady).isEqualTo(1);
        server.flush();

        assertThat(answer().toString()).isEqualTo("{\"id\":5,\"ok\":true,\"result\":1,\"cached\":true}");
    }

    @Test
    void outcomeAfterClose_isDropped() {
        server.receiveText("{\"id\":5,\"function\":\"slow\",\"args\":[]}", true);
        server.closed();
        running.get(0).complete(new CoordinatorCallSession.Outcome(true, IntNode.valueOf(1), false, null));
        server.flush();

        assertThat(serverReady).isZero();
        assertThat(toClient).isEmpty();
    }

    @Test
    void fragments_areJoined_andTooManyBytesCloseWith1009() throws Exception {
        server.receiveText("{\"id\":1,\"function\":", false);
        server.receiveText("\"twice\",\"args\":[5]}", true);
        assertThat(answer().get("result").asInt()).isEqualTo(10);

        server.receiveText("x".repeat(200), false);
        server.receiveText("x".repeat(200), false);

        assertThat(serverCloses).containsExactly("1009 message larger than 300 bytes");
        server.receiveText("{\"id\":1,\"function\":\"twice\",\"args\":[5]}", true);
        assertThat(toClient).isEmpty();
    }

    @Test
    void manyAnswers_leaveInFramesOfAtMost256() throws Exception {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 300; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"id\":")
                    .append(i)
                    .append(",\"function\":\"twice\",\"args\":[1]}");
        }
        server.receiveText(batch.append(']').toString(), true);

        assertThat(toClient).hasSize(2);
        assertThat(answer()).hasSize(256);
        assertThat(answer()).hasSize(44);
    }

    // ---------------------------------------------------------------------------- both ends

    @Test
    void clientAndCoordinatorSessions_composeInMemory() throws Exception {
        CompletableFuture<JsonNode> a = client.call("twice", args(10), LONG);
        CompletableFuture<JsonNode> b = client.call("slow", args(), LONG);
        CompletableFuture<JsonNode> c = client.call("nope", args(), LONG);
        client.flush();
        for (String frame : toCoordinator) {
            server.receiveText(frame, true);
        }
        running.get(0).complete(new CoordinatorCallSession.Outcome(true, IntNode.valueOf(7), false, null));
        server.flush();
        for (String frame : toClient) {
            client.receive(frame);
        }

        assertThat(a.get()).isEqualTo(IntNode.valueOf(20));
        assertThat(b.get()).isEqualTo(IntNode.valueOf(7));
        assertThatThrownBy(c::get).cause().isInstanceOf(GridCallException.class).hasMessage("no function named 'nope'");
        assertThat(client.pending()).isZero();
    }
}
