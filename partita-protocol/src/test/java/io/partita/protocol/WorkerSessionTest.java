package io.partita.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerSessionTest {
    private static final Message.Hello HELLO =
            new Message.Hello(1, "java", "w", List.of("java"), 4, 1L << 30, List.of("f"), 2, null);
    private static final Message.Welcome WELCOME = new Message.Welcome(1, "w-1", "c", 1000, 1 << 20, 64);

    private final FakeTicker ticker = new FakeTicker();
    private final RecordingWorker worker = new RecordingWorker();
    private final WorkerSession session = new WorkerSession(2, ticker, worker, worker);

    private List<Message> flushed() {
        worker.sent.clear();
        session.flush();
        return worker.sent;
    }

    private WorkerSession welcomed() {
        session.start(HELLO);
        session.receive(Codec.encode(WELCOME));
        flushed();
        return session;
    }

    private static Message.Result result(long index) {
        return new Message.Result("j", 0, index, 1, true, IntNode.valueOf((int) index), null, 1);
    }

    private static Message.Task task(long index) {
        return new Message.Task("j", "compute", 0, index, 1, null, null);
    }

    @Test
    void start_sendsHelloFirst_andWelcomeIsAnsweredWithAPull() {
        session.start(HELLO);
        assertThat(worker.ready).isEqualTo(1);
        assertThat(flushed()).containsExactly(HELLO);

        session.receive(Codec.encode(WELCOME));

        assertThat(worker.welcomes).containsExactly(WELCOME);
        assertThat(flushed()).containsExactly(new Message.Pull(8)); // max(8, 4 per slot)
        assertThat(session.open()).isTrue();
        assertThat(session.granted()).isEqualTo(8);
    }

    @Test
    void firstMessageNotWelcome_abortsTheConnection() {
        session.start(HELLO);
        session.receive(Codec.encode(new Message.Tasks(List.of(), List.of(task(0)))));

        assertThat(worker.aborts).containsExactly("the coordinator's first message must be welcome, was tasks");
        assertThat(worker.tasks).isEmpty();
        assertThat(session.isClosed()).isTrue();
    }

    @Test
    void welcomeOfAnotherProtocolVersion_abortsTheConnection() {
        session.start(HELLO);
        session.receive(new Message.Welcome(2, "w-1", "c", 1000, 1 << 20, 64));

        assertThat(worker.aborts).containsExactly("the coordinator speaks protocol 2, this worker 1");
        assertThat(worker.welcomes).isEmpty();
    }

    @Test
    void invalidFrame_abortsTheConnection() {
        welcomed();
        session.receive("{\"type\":\"ack\"");

        assertThat(worker.aborts).singleElement().asString().startsWith("the coordinator sent an invalid message");
        assertThat(flushed()).isEmpty();
    }

    @Test
    void results_leaveInOneBatchWithASeq_andAreSettledByTheAck() {
        welcomed();
        session.result(result(0));
        session.result(result(1));
        assertThat(session.settled()).isFalse();

        assertThat(flushed()).containsExactly(new Message.Results(1, List.of(result(0), result(1))));
        assertThat(session.settled()).isFalse(); // sent, not acknowledged

        session.result(result(2));
        assertThat(flushed()).containsExactly(new Message.Results(2, List.of(result(2))));
        session.receive(new Message.Ack(1, 2, 0));
        assertThat(session.settled()).isFalse();
        session.receive(new Message.Ack(2, 1, 0));

        assertThat(session.settled()).isTrue();
        assertThat(worker.acks).isEqualTo(2);
    }

    @Test
    void manyResults_areSplitIntoMessagesOfAtMost2048() {
        welcomed();
        for (int i = 0; i < 5000; i++) {
            session.result(result(i));
        }

        List<Message> sent = flushed();

        assertThat(sent).hasSize(3);
        assertThat(sent).extracting(m -> ((Message.Results) m).seq()).containsExactly(1L, 2L, 3L);
        assertThat(sent).extracting(m -> ((Message.Results) m).results().size()).containsExactly(2048, 2048, 904);
    }

    @Test
    void controlFrames_leaveBeforeTheResultsOfTheirBatch_inOrder() {
        welcomed();
        Message.TaskRef ref = new Message.TaskRef("j", 0, 7, 1);
        session.suspend(ref);
        session.resume(ref);
        session.result(result(7));

        assertThat(flushed())
                .containsExactly(
                        new Message.Suspend(List.of(ref)),
                        new Message.Resume(List.of(ref)),
                        new Message.Results(1, List.of(result(7))));
    }

    @Test
    void gridCalls_leaveAsOneCallsMessage_andAnswersReachTheirCallers() {
        welcomed();
        Message.TaskRef parent = new Message.TaskRef("j", 0, 1, 1);
        List<Message.Answer> answers = new ArrayList<>();
        long a = session.call("fib", JsonNodeFactory.instance.arrayNode().add(10), parent, answers::add);
        long b = session.call("fib", JsonNodeFactory.instance.arrayNode().add(20), parent, answers::add);

        List<Message> sent = flushed();
        assertThat(sent).singleElement().isInstanceOf(Message.Calls.class);
        assertThat(((Message.Calls) sent.get(0)).calls())
                .extracting(Message.CallRequest::id)
                .containsExactly(a, b);

        session.receive(new Message.Answers(List.of(
                new Message.Answer(b, true, IntNode.valueOf(6765), null), new Message.Answer(99, true, null, null))));
        assertThat(answers).containsExactly(new Message.Answer(b, true, IntNode.valueOf(6765), null));

        session.closed();
        assertThat(answers)
                .last()
                .isEqualTo(new Message.Answer(a, false, null, "the connection to the coordinator was lost"));
        assertThat(answers).hasSize(2);
    }

    @Test
    void aTasksSuspend_leavesAfterTheCallsItWaitsFor() {
        welcomed();
        Message.TaskRef parent = new Message.TaskRef("j", 0, 1, 1);
        session.call("fib", JsonNodeFactory.instance.arrayNode().add(10), parent, answer -> {});
        session.suspend(parent);
        session.call("fib", JsonNodeFactory.instance.arrayNode().add(11), parent, answer -> {});
        List<Message> sent = flushed();
        // the coordinator ignores a suspension of a task that waits for no call
        assertThat(sent).extracting(m -> m.getClass().getSimpleName()).containsExactly("Calls", "Suspend", "Calls");
    }

    @Test
    void callAfterClose_isAnsweredAtOnceWithAnError() {
        welcomed();
        session.closed();
        List<Message.Answer> answers = new ArrayList<>();
        session.call("f", JsonNodeFactory.instance.arrayNode(), new Message.TaskRef("j", 0, 1, 1), answers::add);

        assertThat(answers).singleElement().extracting(Message.Answer::ok).isEqualTo(false);
        assertThat(flushed()).isEmpty();
    }

    @Test
    void heartbeat_sendsTheTime_untilTheCoordinatorIsSilentForThreeIntervals() {
        welcomed();
        ticker.advance(Duration.ofMillis(1000));
        assertThat(session.heartbeat()).isTrue();
        assertThat(flushed()).containsExactly(new Message.Heartbeat(ticker.millis()));

        ticker.advance(Duration.ofMillis(2000));
        assertThat(session.heartbeat()).isTrue(); // 3000 ms: not more than three intervals yet
        session.receive(new Message.Heartbeat(1));
        ticker.advance(Duration.ofMillis(3001));

        assertThat(session.heartbeat()).isFalse();
        assertThat(worker.aborts).containsExactly("no word from the coordinator for 3001 ms");
        assertThat(session.isClosed()).isTrue();
        assertThat(session.heartbeat()).isFalse();
    }

    @Test
    void tick_raisesTheGrantToAQuarterSecondOfWork_cappedAt8192() {
        welcomed();
        for (int i = 0; i < 1000; i++) {
            session.result(result(i));
        }
        ticker.advance(Duration.ofSeconds(1));
        session.tick(); // 1000 results a second: 250 credits

        assertThat(flushed()).first().isEqualTo(new Message.Pull(242));
        assertThat(session.granted()).isEqualTo(250);

        ticker.advance(Duration.ofSeconds(1));
        session.tick(); // nothing finished: the grant is never lowered
        assertThat(flushed()).isEmpty();

        for (int i = 0; i < 100_000; i++) {
            session.result(result(i));
        }
        ticker.advance(Duration.ofSeconds(1));
        session.tick();
        assertThat(flushed()).filteredOn(m -> m instanceof Message.Pull).containsExactly(new Message.Pull(8192 - 250));
        assertThat(session.granted()).isEqualTo(WorkerSession.MAX_CREDITS);
    }

    @Test
    void drain_sendsDrain_returnsTasksThatStillArrive_andGrantsNoMore() {
        welcomed();
        session.drain("worker stopping");
        Message.JobInfo job = new Message.JobInfo("j", "f", null, 10, 1000, "java", null);
        session.receive(new Message.Tasks(List.of(job), List.of(task(3), task(4))));

        assertThat(worker.tasks).containsExactly(new Message.Tasks(List.of(job), List.of()));
        session.result(result(0));
        ticker.advance(Duration.ofSeconds(1));
        session.tick();
        assertThat(flushed())
                .containsExactly(
                        new Message.Drain("worker stopping"),
                        new Message.Return(
                                List.of(new Message.TaskRef("j", 0, 3, 1), new Message.TaskRef("j", 0, 4, 1))),
                        new Message.Results(1, List.of(result(0))));
        assertThat(session.draining()).isTrue();
    }

    @Test
    void tasksAndCancels_goToTheHandler_andStrayTypesAreIgnored() {
        welcomed();
        Message.Tasks tasks = new Message.Tasks(List.of(), List.of(task(1)));
        Message.Cancel cancel = new Message.Cancel("j", List.of(), "cancelled");
        session.receive(tasks);
        session.receive(cancel);
        session.receive(new Message.Error("not_held", "j/0/1#1"));
        session.receive(new Message.Pull(3));

        assertThat(worker.tasks).containsExactly(tasks);
        assertThat(worker.cancels).containsExactly(cancel);
        assertThat(worker.errors).containsExactly("not_held");
        assertThat(worker.unexpected).containsExactly(new Message.Pull(3));
        assertThat(worker.aborts).isEmpty();
    }

    @Test
    void closed_dropsQueuedFramesAndLaterResults() {
        welcomed();
        session.result(result(1));
        session.closed();
        session.result(result(2));
        session.returnTasks(List.of(new Message.TaskRef("j", 0, 3, 1)));

        assertThat(flushed()).isEmpty();
        session.receive(new Message.Tasks(List.of(), List.of(task(5))));
        assertThat(worker.tasks).isEmpty();
    }

    @Test
    void returnTasks_sendsNothingForAnEmptyList() {
        welcomed();
        session.returnTasks(List.of());

        assertThat(flushed()).isEmpty();
    }

    /** Records what the session sends and hands over. */
    static final class RecordingWorker implements WorkerSession.Transport, WorkerSession.Handler {
        final List<Message> sent = new ArrayList<>();
        final List<String> aborts = new ArrayList<>();
        final List<Message.Welcome> welcomes = new ArrayList<>();
        final List<Message.Tasks> tasks = new ArrayList<>();
        final List<Message.Cancel> cancels = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final List<Message> unexpected = new ArrayList<>();
        int ready;
        int acks;

        @Override
        public void send(Message message) {
            sent.add(message);
        }

        @Override
        public void outputReady() {
            ready++;
        }

        @Override
        public void abort(String reason) {
            aborts.add(reason);
        }

        @Override
        public void welcomed(Message.Welcome welcome) {
            welcomes.add(welcome);
        }

        @Override
        public void tasks(Message.Tasks t) {
            tasks.add(t);
        }

        @Override
        public void cancel(Message.Cancel cancel) {
            cancels.add(cancel);
        }

        @Override
        public void acked(Message.Ack ack) {
            acks++;
        }

        @Override
        public void error(Message.Error error) {
            errors.add(error.code());
        }

        @Override
        public void unexpected(Message message) {
            unexpected.add(message);
        }
    }
}
