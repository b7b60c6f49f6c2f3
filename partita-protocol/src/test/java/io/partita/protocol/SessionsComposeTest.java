package io.partita.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Wires a {@link CoordinatorSession} to a {@link WorkerSession} in memory, through their text frames,
 * as a relay would wire its server session to its client session: no sockets, no threads.
 */
class SessionsComposeTest {
    private static final Message.Hello HELLO =
            new Message.Hello(1, "relay", "r", List.of("java"), 2, 1L << 30, List.of("double"), 1, null);

    private final FakeTicker ticker = new FakeTicker();
    private final Deque<String> toCoordinator = new ArrayDeque<>();
    private final Deque<String> toWorker = new ArrayDeque<>();
    private final List<String> trace = new ArrayList<>();
    private final FakeCoordinator coordinator = new FakeCoordinator();
    private final CoordinatorSession server = new CoordinatorSession(
            new CoordinatorSession.Settings("coord-1", Duration.ofSeconds(1), 1 << 20, 3),
            ticker,
            new CoordinatorSession.Transport() {
                @Override
                public void send(Message message) {
                    toWorker.add(Codec.encode(message));
                }

                @Override
                public void close(int code, String reason) {
                    trace.add("closed " + code + " " + reason);
                }
            },
            coordinator);
    private final FakeWorker workerSide = new FakeWorker();
    private final WorkerSession worker = new WorkerSession(1, ticker, workerSide, workerSide);

    /** Moves frames both ways until neither side has anything to say. */
    private void pump() {
        for (int rounds = 0; rounds < 1000; rounds++) {
            worker.flush();
            if (toCoordinator.isEmpty() && toWorker.isEmpty()) {
                return;
            }
            while (!toCoordinator.isEmpty()) {
                String frame = toCoordinator.poll();
                trace.add("W->C " + Codec.decode(frame).getClass().getSimpleName());
                server.receiveText(frame, true);
            }
            while (!toWorker.isEmpty()) {
                String frame = toWorker.poll();
                trace.add("C->W " + Codec.decode(frame).getClass().getSimpleName());
                worker.receive(frame);
            }
        }
        throw new AssertionError("the sessions did not settle: " + trace);
    }

    @Test
    void helloWelcomePullTasksResultsAck_runThroughBothSessions() {
        for (int i = 0; i < 20; i++) {
            coordinator.queue.add(new Message.Task("j", "compute", 0, i, 1, null, null));
        }
        worker.start(HELLO);
        pump();

        assertThat(worker.welcome()).map(Message.Welcome::workerId).contains("relay-1");
        assertThat(worker.welcome()).map(Message.Welcome::maxBatch).contains(3);
        assertThat(coordinator.results).hasSize(20);
        coordinator.results.forEach(
                (index, output) -> assertThat(output).isEqualTo(IntNode.valueOf(2 * index.intValue())));
        assertThat(worker.settled()).isTrue();
        assertThat(coordinator.credits).isEqualTo(worker.granted()); // every credit came back
        assertThat(trace.subList(0, 4)).containsExactly("W->C Hello", "C->W Welcome", "W->C Pull", "C->W Tasks");
        assertThat(trace).contains("W->C Results", "C->W Ack");
        assertThat(trace).noneMatch(t -> t.startsWith("closed"));
    }

    @Test
    void heartbeats_andDrain_runThroughBothSessions() {
        worker.start(HELLO);
        pump();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(worker.heartbeat()).isTrue();
        worker.drain("relay stopping");
        pump();

        assertThat(trace).contains("W->C Heartbeat", "C->W Heartbeat", "W->C Drain");
        assertThat(coordinator.drained).isTrue();
    }

    @Test
    void aWorkerSessionThatBreaksTheRules_isClosedByTheServerSession() {
        worker.start(HELLO);
        pump();
        toCoordinator.add(Codec.encode(new Message.Ack(1, 0, 0)));
        pump();

        assertThat(trace).contains("closed 1008 message type ack is sent by the coordinator, not by workers");
    }

    /** A coordinator in miniature: leases from a queue within the worker's credits and maxBatch. */
    private final class FakeCoordinator implements CoordinatorSession.Handler {
        final Deque<Message.Task> queue = new ArrayDeque<>();
        final Map<Long, Object> results = new LinkedHashMap<>();
        int credits;
        boolean drained;

        @Override
        public String hello(Message.Hello hello) {
            return hello.kind() + "-1";
        }

        @Override
        public void pull(int granted) {
            credits += granted;
            dispatch();
        }

        private void dispatch() {
            List<Message.Task> batch = new ArrayList<>();
            while (credits > 0
                    && !queue.isEmpty()
                    && batch.size() < server.settings().maxBatch()) {
                batch.add(queue.poll());
                credits--;
            }
            if (!batch.isEmpty()) {
                List<Message.JobInfo> jobs = batch.get(0).index() == 0
                        ? List.of(new Message.JobInfo("j", "double", null, 20, 1000, "java", null))
                        : List.of();
                toWorker.add(Codec.encode(new Message.Tasks(jobs, batch)));
            }
        }

        @Override
        public Optional<String> results(Message.Results message) {
            for (Message.Result r : message.results()) {
                results.put(r.index(), r.output());
            }
            credits += message.results().size();
            toWorker.add(Codec.encode(
                    new Message.Ack(message.seq(), message.results().size(), 0)));
            dispatch();
            return Optional.empty();
        }

        @Override
        public void returned(List<Message.TaskRef> tasks) {}

        @Override
        public void drain(Message.Drain drain) {
            drained = true;
        }

        @Override
        public void calls(Message.Calls calls) {}

        @Override
        public void suspended(List<Message.TaskRef> tasks, boolean suspended) {}
    }

    /** A worker in miniature: runs each task at once, doubling its index. */
    private final class FakeWorker implements WorkerSession.Transport, WorkerSession.Handler {
        @Override
        public void send(Message message) {
            toCoordinator.add(Codec.encode(message));
        }

        @Override
        public void outputReady() {}

        @Override
        public void abort(String reason) {
            trace.add("aborted " + reason);
        }

        @Override
        public void welcomed(Message.Welcome welcome) {}

        @Override
        public void tasks(Message.Tasks tasks) {
            for (Message.Task t : tasks.tasks()) {
                worker.result(new Message.Result(
                        t.job(),
                        t.level(),
                        t.index(),
                        t.attempt(),
                        true,
                        IntNode.valueOf(2 * (int) t.index()),
                        null,
                        1));
            }
        }

        @Override
        public void cancel(Message.Cancel cancel) {}
    }
}
