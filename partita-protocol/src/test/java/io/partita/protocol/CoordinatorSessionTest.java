package io.partita.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoordinatorSessionTest {
    private static final String HELLO =
            Codec.encode(new Message.Hello(1, "java", "w", List.of("java"), 4, 1L << 30, List.of("f"), 2, null));
    private static final int MAX = 200;

    private final RecordingServer server = new RecordingServer();
    private final CoordinatorSession session = new CoordinatorSession(
            new CoordinatorSession.Settings("coord-1", Duration.ofSeconds(5), MAX, 64),
            new FakeTicker(),
            server,
            server);

    @Test
    void hello_isAnsweredWithWelcome() {
        session.receiveText(HELLO, true);

        assertThat(server.hellos).hasSize(1);
        assertThat(server.sent).containsExactly(new Message.Welcome(1, "w-1", "coord-1", 5000, MAX, 64));
        assertThat(session.workerId()).contains("w-1");
        assertThat(server.closes).isEmpty();
    }

    @Test
    void workerMessages_goToTheHandlerAfterHello() {
        session.receiveText(HELLO, true);
        Message.TaskRef ref = new Message.TaskRef("j", 0, 3, 1);
        for (Message m : List.of(
                new Message.Pull(16),
                new Message.Results(1, List.of()),
                new Message.Return(List.of(ref)),
                new Message.Drain("bye"),
                new Message.Calls(List.of()),
                new Message.Suspend(List.of(ref)),
                new Message.Resume(List.of(ref)),
                new Message.Error("oops", "something"))) {
            session.receiveText(Codec.encode(m), true);
        }

        assertThat(server.events)
                .containsExactly(
                        "pull 16",
                        "results 1",
                        "returned [" + ref + "]",
                        "drain bye",
                        "calls 0",
                        "suspended [" + ref + "] true",
                        "suspended [" + ref + "] false",
                        "error oops");
        assertThat(server.heard).isEqualTo(8);
        assertThat(server.closes).isEmpty();
    }

    @Test
    void heartbeat_isAnsweredWithTheTime() {
        session.receiveText(HELLO, true);
        session.receiveText(Codec.encode(new Message.Heartbeat(1)), true);

        assertThat(server.sent).last().isEqualTo(new Message.Heartbeat(FakeTicker.MILLIS));
    }

    @Test
    void resultsNotHeld_areAnsweredWithNotHeldError() {
        session.receiveText(HELLO, true);
        server.notHeld = Optional.of("j/0/3#1");
        session.receiveText(Codec.encode(new Message.Results(1, List.of())), true);

        assertThat(server.sent).last().isEqualTo(new Message.Error("not_held", "j/0/3#1"));
        assertThat(server.closes).isEmpty();
    }

    @Test
    void helloWith20000FunctionNames_closesWith1008_reasonCountsButNeverQuotesThem() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            names.add("evil/function-name-" + i);
        }
        session.receive(new Message.Hello(1, "java", "w", List.of("java"), 4, 1L << 30, names, 2, null));

        assertThat(server.hellos).isEmpty();
        assertThat(server.closes).containsExactly("1008 hello lists 20000 functions; at most 1000 are accepted");
    }

    @Test
    void helloWithListsAtTheLimit_isWelcomed() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < CoordinatorSession.MAX_HELLO_LIST; i++) {
            names.add("f" + i);
        }
        session.receive(new Message.Hello(1, "java", "w", List.of("java"), 4, 1L << 30, names, 2, null));

        assertThat(server.closes).isEmpty();
        assertThat(server.hellos).hasSize(1);
    }

    @Test
    void errorFlood_closesWith1008_afterTheLimitPerMinute() {
        session.receiveText(HELLO, true);
        for (int i = 0; i < CoordinatorSession.MAX_ERRORS_PER_MINUTE; i++) {
            session.receive(new Message.Error("oops", "error " + i));
        }
        assertThat(server.closes).isEmpty();

        session.receive(new Message.Error("oops", "one too many"));

        assertThat(server.closes).containsExactly("1008 more than 100 error messages in a minute");
    }

    @Test
    void oversizedFrame_closesWith1009() {
        session.receiveText("x".repeat(MAX + 1), true);

        assertThat(server.closes).containsExactly("1009 message larger than 200 bytes");
    }

    @Test
    void frameAtTheLimit_isAccepted() {
        String padded = HELLO.substring(0, HELLO.length() - 1) + ",\"pad\":\"";
        padded += "x".repeat(MAX - padded.length() - 2) + "\"}";
        assertThat(padded).hasSize(MAX);

        session.receiveText(padded, true);

        assertThat(server.closes).isEmpty();
        assertThat(server.hellos).hasSize(1);
    }

    @Test
    void fragmentsAboveTheLimit_closeWith1009BeforeTheLastArrives() {
        session.receiveText("x".repeat(150), false);
        assertThat(server.closes).isEmpty();
        session.receiveText("x".repeat(150), false);

        assertThat(server.closes).containsExactly("1009 message larger than 200 bytes");
        session.receiveText(HELLO, true);
        assertThat(server.hellos).isEmpty();
    }

    @Test
    void fragments_areJoinedIntoOneMessage() {
        int cut = HELLO.length() / 2;
        session.receiveText(HELLO.substring(0, cut), false);
        assertThat(server.hellos).isEmpty();
        session.receiveText(HELLO.substring(cut), true);

        assertThat(server.hellos).hasSize(1);
        assertThat(server.closes).isEmpty();
    }

    @Test
    void binaryFrame_closesWith1003() {
        session.receiveBinary();

        assertThat(server.closes).containsExactly("1003 binary messages are not part of the protocol");
    }

    @Test
    void badJson_closesWith1008NamingTheProblem() {
        session.receiveText("{not json", true);

        assertThat(server.closes).singleElement().asString().startsWith("1008 malformed message");
    }

    @Test
    void unknownType_closesWith1008() {
        session.receiveText("{\"type\":\"bogus\"}", true);

        assertThat(server.closes).containsExactly("1008 unknown or missing message type 'bogus'");
    }

    @Test
    void fieldOutOfRange_closesWith1008NamingTheField() {
        session.receiveText(HELLO, true);
        session.receiveText("{\"type\":\"pull\",\"credits\":-1}", true);

        assertThat(server.closes).containsExactly("1008 pull.credits must be between 0 and 1000000, was -1");
        assertThat(server.violations).containsExactly("1008 pull.credits must be between 0 and 1000000, was -1");
    }

    @Test
    void firstMessageNotHello_closesWith1008() {
        session.receiveText(Codec.encode(new Message.Pull(4)), true);

        assertThat(server.closes).containsExactly("1008 the first message must be hello, was pull");
        assertThat(server.events).isEmpty();
    }

    @Test
    void secondHello_closesWith1008() {
        session.receiveText(HELLO, true);
        session.receiveText(HELLO, true);

        assertThat(server.closes).containsExactly("1008 hello was already sent");
        assertThat(server.hellos).hasSize(1);
    }

    @Test
    void wrongProtocolVersion_closesWith1008() {
        session.receiveText(HELLO.replace("\"protocol\":1", "\"protocol\":2"), true);

        assertThat(server.closes).containsExactly("1008 unsupported protocol version 2; this coordinator speaks 1");
        assertThat(server.hellos).isEmpty();
        assertThat(session.workerId()).isEmpty();
    }

    @Test
    void coordinatorOnlyTypes_closeWith1008() {
        List<Message> coordinatorOnly = List.of(
                new Message.Welcome(1, "w", "c", 1, 1, 1),
                new Message.Tasks(List.of(), List.of()),
                new Message.Ack(1, 1, 0),
                new Message.Cancel("j", List.of(), "r"),
                new Message.Answers(List.of()));
        for (Message m : coordinatorOnly) {
            RecordingServer s = new RecordingServer();
            CoordinatorSession fresh = new CoordinatorSession(session.settings(), new FakeTicker(), s, s);
            fresh.receiveText(HELLO, true);
            fresh.receiveText(Codec.encode(m), true);

            String type = m.getClass().getSimpleName().toLowerCase();
            assertThat(s.closes)
                    .containsExactly("1008 message type " + type + " is sent by the coordinator, not by workers");
            assertThat(s.events).isEmpty();
        }
    }

    @Test
    void handlerProtocolException_closesWith1008() {
        session.receiveText(HELLO, true);
        server.failResults = true;
        session.receiveText(Codec.encode(new Message.Results(1, List.of())), true);

        assertThat(server.closes).containsExactly("1008 results[0].output is not encodable JSON");
    }

    @Test
    void afterAViolation_inputIsIgnoredAndCloseHappensOnce() {
        session.receiveBinary();
        session.receiveBinary();
        session.receiveText(HELLO, true);

        assertThat(server.closes).hasSize(1);
        assertThat(server.violations).hasSize(1);
        assertThat(server.hellos).isEmpty();
        assertThat(session.isClosed()).isTrue();
    }

    @Test
    void afterClosed_inputIsIgnored() {
        session.closed();
        session.receiveText(HELLO, true);

        assertThat(server.hellos).isEmpty();
        assertThat(server.closes).isEmpty();
    }

    @Test
    void longReason_isCutToFitACloseFrame() {
        session.receiveText("{\"type\":\"" + "é".repeat(150) + "\"}", true);

        String close = server.closes.get(0);
        String reason = close.substring("1008 ".length());
        assertThat(reason.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(reason).endsWith("...");
        assertThat(server.violations.get(0).getBytes(StandardCharsets.UTF_8).length)
                .isGreaterThan(123);
    }

    @Test
    void settings_rejectNonsense() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new CoordinatorSession.Settings("c", Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heartbeat");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new CoordinatorSession.Settings("c", Duration.ofSeconds(1), 0, 1))
                .hasMessageContaining("maxMessageBytes must be at least 1, was 0");
    }

    /** Records what the session sends, closes and hands over. */
    static final class RecordingServer implements CoordinatorSession.Transport, CoordinatorSession.Handler {
        final List<Message> sent = new ArrayList<>();
        final List<String> closes = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        final List<Message.Hello> hellos = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        int heard;
        Optional<String> notHeld = Optional.empty();
        boolean failResults;

        @Override
        public void send(Message message) {
            sent.add(message);
        }

        @Override
        public void close(int code, String reason) {
            closes.add(code + " " + reason);
        }

        @Override
        public String hello(Message.Hello hello) {
            hellos.add(hello);
            return "w-" + hellos.size();
        }

        @Override
        public void heard() {
            heard++;
        }

        @Override
        public void pull(int credits) {
            events.add("pull " + credits);
        }

        @Override
        public Optional<String> results(Message.Results results) {
            if (failResults) {
                throw new ProtocolException("results[0].output is not encodable JSON");
            }
            events.add("results " + results.seq());
            return notHeld;
        }

        @Override
        public void returned(List<Message.TaskRef> tasks) {
            events.add("returned " + tasks);
        }

        @Override
        public void drain(Message.Drain drain) {
            events.add("drain " + drain.reason());
        }

        @Override
        public void calls(Message.Calls calls) {
            events.add("calls " + calls.calls().size());
        }

        @Override
        public void suspended(List<Message.TaskRef> tasks, boolean suspended) {
            events.add("suspended " + tasks + " " + suspended);
        }

        @Override
        public void error(Message.Error error) {
            events.add("error " + error.code());
        }

        @Override
        public void violation(int code, String reason) {
            violations.add(code + " " + reason);
        }
    }
}
