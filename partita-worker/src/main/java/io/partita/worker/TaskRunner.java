package io.partita.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.api.JobFunction;
import io.partita.api.Params;
import io.partita.api.Preparation;
import io.partita.api.TaskContext;
import io.partita.protocol.Message;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task attempt of a Java function: prepare, compute or combine, mapping JSON to the
 * function's types and back. Any throwable the function raises becomes a failed result carrying
 * its class and message; the worker carries on.
 */
final class TaskRunner {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private final FunctionRegistry functions;
    private final ObjectMapper mapper;

    TaskRunner(FunctionRegistry functions, ObjectMapper mapper) {
        this.functions = functions;
        this.mapper = mapper;
    }

    /** Everything a task needs about its job, decoded once per job. */
    record JobContext(Message.JobInfo info, Params params, String coordinator) {}

    Message.Result run(JobContext job, Message.Task task, java.util.function.BooleanSupplier cancelled) {
        long start = System.nanoTime();
        try {
            JobFunction<?, ?> function = functions
                    .get(job.info().function())
                    .orElseThrow(() -> new IllegalStateException(
                            "this worker has no function '" + job.info().function() + "'"));
            JsonNode output = switch (task.op()) {
                case "prepare" -> prepare(function, job);
                case "compute" -> compute(function, job, task, cancelled);
                case "combine" -> combine(function, task);
                default -> throw new IllegalArgumentException("unknown task op '" + task.op() + "'");
            };
            return new Message.Result(
                    task.job(), task.level(), task.index(), task.attempt(), true, output, null, millis(start));
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (t instanceof VirtualMachineError
                    && !(t instanceof StackOverflowError)
                    && !(t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            String message = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            log.debug("Task {}/{}/{} failed: {}", task.job(), task.level(), task.index(), message, t);
            return new Message.Result(
                    task.job(), task.level(), task.index(), task.attempt(), false, null, message, millis(start));
        }
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private JsonNode prepare(JobFunction<?, ?> function, JobContext job) {
        Preparation p = function.prepare(job.params());
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (p.inputs().isPresent()) {
            out.set("inputs", mapper.valueToTree(p.inputs().get()));
        } else {
            out.put("count", p.count());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private <I, O> JsonNode compute(
            JobFunction<I, O> function, JobContext job, Message.Task task, java.util.function.BooleanSupplier cancelled)
            throws Exception {
        I input;
        if (task.input() != null && !task.input().isNull()) {
            input = mapper.treeToValue(task.input(), function.inputType());
        } else {
            input = function.input(job.params(), task.index());
        }
        O output = function.compute(input, new Context(job, task, cancelled));
        return output == null ? null : mapper.valueToTree(output);
    }

    private <I, O> JsonNode combine(JobFunction<I, O> function, Message.Task task) throws Exception {
        List<JsonNode> inputs = task.inputs() == null ? List.of() : task.inputs();
        O acc = null;
        boolean first = true;
        for (JsonNode node : inputs) {
            O value = node == null || node.isNull() ? null : mapper.treeToValue(node, function.outputType());
            acc = first ? value : function.combine(acc, value);
            first = false;
        }
        return acc == null ? null : mapper.valueToTree(acc);
    }

    private static final class Context implements TaskContext {
        private final JobContext job;
        private final Message.Task task;
        private final java.util.function.BooleanSupplier cancelled;

        Context(JobContext job, Message.Task task, java.util.function.BooleanSupplier cancelled) {
            this.job = job;
            this.task = task;
            this.cancelled = cancelled;
        }

        @Override
        public String jobId() {
            return task.job();
        }

        @Override
        public Params params() {
            return job.params();
        }

        @Override
        public long partition() {
            return task.index();
        }

        @Override
        public long partitions() {
            return job.info().partitions();
        }

        @Override
        public int attempt() {
            return task.attempt();
        }

        @Override
        public String coordinatorInstance() {
            return job.coordinator();
        }

        @Override
        public boolean cancelled() {
            return cancelled.getAsBoolean() || Thread.currentThread().isInterrupted();
        }

        @Override
        public void log(String message) {
            log.info("[{} #{}] {}", task.job(), task.index(), message);
        }
    }
}
