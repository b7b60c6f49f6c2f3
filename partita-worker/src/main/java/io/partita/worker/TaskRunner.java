package io.partita.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.api.Args;
import io.partita.api.CallFunction;
import io.partita.api.GridCallException;
import io.partita.api.JobFunction;
import io.partita.api.Params;
import io.partita.api.Preparation;
import io.partita.api.TaskContext;
import io.partita.js.JsModule;
import io.partita.js.JsRuntime;
import io.partita.js.JsTaskContext;
import io.partita.js.JsTaskException;
import io.partita.protocol.Message;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
    private final Optional<JsRuntime> js;
    private final CodeCache code;
    private final DataTasks data;

    TaskRunner(
            FunctionRegistry functions, ObjectMapper mapper, Optional<JsRuntime> js, CodeCache code, DataTasks data) {
        this.functions = functions;
        this.mapper = mapper;
        this.js = js;
        this.code = code;
        this.data = data;
    }

    /** Everything a task needs about its job, decoded once per job. */
    record JobContext(Message.JobInfo info, Params params, String coordinator) {}

    /**
     * Runs a task. {@code calls} makes the task's grid calls; null where it cannot make any (they
     * then fail with a message saying so).
     */
    Message.Result run(
            JobContext job,
            Message.Task task,
            java.util.function.BooleanSupplier cancelled,
            JsTaskContext.Calls calls) {
        long start = System.nanoTime();
        Logged logged = new Logged();
        try {
            JsonNode output = DataTasks.handles(task.op())
                    ? data.run(job, task)
                    : "js".equals(job.info().runtime())
                            ? runJs(job, task, logged, calls)
                            : runJava(job, task, cancelled, logged, calls);
            return new Message.Result(
                    task.job(),
                    task.level(),
                    task.index(),
                    task.attempt(),
                    true,
                    output,
                    null,
                    millis(start),
                    logged.toJson());
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (t instanceof VirtualMachineError
                    && !(t instanceof StackOverflowError)
                    && !(t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            // A JavaScript error already reads like one ("TypeError: ... (at line 3)"), as in browsers.
            String message = (t instanceof JsTaskException || t instanceof io.partita.data.DataException)
                            && t.getMessage() != null
                    ? t.getMessage()
                    : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            log.debug("Task {}/{}/{} failed: {}", task.job(), task.level(), task.index(), message, t);
            return new Message.Result(
                    task.job(),
                    task.level(),
                    task.index(),
                    task.attempt(),
                    false,
                    null,
                    message,
                    millis(start),
                    logged.toJson());
        }
    }

    private JsonNode runJava(
            JobContext job,
            Message.Task task,
            java.util.function.BooleanSupplier cancelled,
            Logged logged,
            JsTaskContext.Calls calls)
            throws Exception {
        if ("call".equals(task.op())) {
            CallFunction function = functions
                    .call(job.info().function())
                    .orElseThrow(() -> new IllegalStateException(
                            "this worker has no call function '" + job.info().function() + "'"));
            Object output =
                    function.call(Args.of(task.input()), new Context(job, task, cancelled, logged, calls, mapper));
            return output == null ? null : mapper.valueToTree(output);
        }
        JobFunction<?, ?> function = functions
                .get(job.info().function())
                .orElseThrow(() -> new IllegalStateException(
                        "this worker has no function '" + job.info().function() + "'"));
        return switch (task.op()) {
            case "prepare" -> prepare(function, job);
            case "compute" -> compute(function, job, task, cancelled, logged, calls);
            case "combine" -> combine(function, task);
            default -> throw new IllegalArgumentException("unknown task op '" + task.op() + "'");
        };
    }

    /**
     * Runs a task of a JavaScript module. Without an {@code input} export a partition's input is its
     * index; without {@code combine} a combine task hands all its inputs to {@code collect}, or, if
     * there is none, outputs them as an array (the coordinator then uses a single combine level).
     */
    private JsonNode runJs(JobContext job, Message.Task task, Logged logged, JsTaskContext.Calls calls)
            throws Exception {
        JsRuntime runtime = js.orElseThrow(() -> new IllegalStateException("this worker has no JavaScript runtime"));
        String hash = job.info().code();
        JsModule module = runtime.module(hash, code.get(hash));
        Duration timeout = Duration.ofMillis(Math.max(1, job.info().timeoutMillis()));
        JsonNode params = job.info().params() == null
                ? JsonNodeFactory.instance.objectNode()
                : job.info().params();
        switch (task.op()) {
            case "prepare" -> {
                if (!module.has("prepare")) {
                    throw new IllegalArgumentException(
                            "this module has no prepare step: give \"partitions\" in the job spec");
                }
                JsonNode out = module.prepare(params, timeout);
                if (out != null && out.isArray()) {
                    ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
                    wrapped.set("inputs", out);
                    return wrapped;
                }
                return out;
            }
            case "compute" -> {
                JsonNode input = task.input();
                if (input == null || input.isNull()) {
                    input = module.has("input")
                            ? module.input(params, task.index(), timeout)
                            : LongNode.valueOf(task.index());
                }
                JsTaskContext ctx = new JsTaskContext(
                        params, task.index(), task.attempt(), job.info().partitions(), printer(task, logged), calls);
                JsonNode output;
                try {
                    output = module.compute(input, ctx, timeout);
                } catch (JsTaskException e) {
                    if (module.has("log")) {
                        ObjectNode event = taskEvent("failed", task);
                        event.put("error", e.getMessage());
                        callLogger(module, event, ctx, timeout, logged);
                    }
                    throw e;
                }
                if (module.has("log")) {
                    ObjectNode event = taskEvent("partition", task);
                    event.set("output", output);
                    callLogger(module, event, ctx, timeout, logged);
                }
                return output;
            }
            case "call" -> {
                JsTaskContext ctx = new JsTaskContext(
                        JsonNodeFactory.instance.objectNode(), -1, task.attempt(), 0, printer(task, logged), calls);
                return module.invoke(task.input(), ctx, timeout);
            }
            case "log" -> {
                if (!module.has("log")) {
                    throw new IllegalArgumentException("this module has no log function");
                }
                JsTaskContext ctx =
                        new JsTaskContext(params, -1, task.attempt(), job.info().partitions(), printer(task, logged));
                logged.returned(module.log(task.input(), ctx, timeout));
                return null; // what the logger said travels in the result's log field
            }
            case "combine" -> {
                List<JsonNode> inputs = task.inputs() == null ? List.of() : task.inputs();
                if (module.has("combine")) {
                    JsonNode acc = null;
                    for (JsonNode value : inputs) {
                        acc = acc == null ? value : module.combine(acc, value, timeout);
                    }
                    return acc;
                }
                if (module.has("collect")) {
                    return module.collect(inputs, params, timeout);
                }
                ArrayNode all = JsonNodeFactory.instance.arrayNode();
                inputs.forEach(all::add);
                return all;
            }
            default -> throw new IllegalArgumentException("unknown task op '" + task.op() + "'");
        }
    }

    private static ObjectNode taskEvent(String type, Message.Task task) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("type", type);
        event.put("job", task.job());
        event.put("partition", task.index());
        event.put("attempt", task.attempt());
        return event;
    }

    /**
     * Runs the module's logger for a partition event inside the task. A logger that fails does not
     * fail the task: its error is printed instead.
     */
    private static void callLogger(
            JsModule module, ObjectNode event, JsTaskContext ctx, Duration timeout, Logged logged) {
        try {
            logged.returned(module.log(event, ctx, timeout));
        } catch (JsTaskException e) {
            logged.print("log failed: " + e.getMessage());
        }
    }

    private static java.util.function.Consumer<String> printer(Message.Task task, Logged logged) {
        return message -> {
            log.debug("[{} #{}] {}", task.job(), task.index(), message);
            logged.print(message);
        };
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
            JobFunction<I, O> function,
            JobContext job,
            Message.Task task,
            java.util.function.BooleanSupplier cancelled,
            Logged logged,
            JsTaskContext.Calls calls)
            throws Exception {
        I input;
        if (task.input() != null && !task.input().isNull()) {
            input = mapper.treeToValue(task.input(), function.inputType());
        } else {
            input = function.input(job.params(), task.index());
        }
        O output = function.compute(input, new Context(job, task, cancelled, logged, calls, mapper));
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
        private final Logged logged;
        private final JsTaskContext.Calls calls;
        private final ObjectMapper mapper;

        Context(
                JobContext job,
                Message.Task task,
                java.util.function.BooleanSupplier cancelled,
                Logged logged,
                JsTaskContext.Calls calls,
                ObjectMapper mapper) {
            this.job = job;
            this.task = task;
            this.cancelled = cancelled;
            this.logged = logged;
            this.calls = calls;
            this.mapper = mapper;
        }

        @Override
        public CompletableFuture<JsonNode> call(String function, Object... args) {
            if (calls == null) {
                throw new UnsupportedOperationException("grid calls are not available in this task");
            }
            JsonNode json;
            try {
                json = mapper.valueToTree(Arrays.asList(args == null ? new Object[] {null} : args));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "the arguments of " + function + " are not JSON: " + e.getMessage(), e);
            }
            return calls.call(function, json);
        }

        @Override
        public <T> CompletableFuture<T> call(Class<T> type, String function, Object... args) {
            return call(function, args).thenApply(node -> {
                try {
                    return node == null || node.isNull() ? null : mapper.treeToValue(node, type);
                } catch (Exception e) {
                    throw new CompletionException(new GridCallException(
                            function + " returned " + node + ", which does not fit " + type.getSimpleName(), e));
                }
            });
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
            return task.level() == Message.CALL_LEVEL ? -1 : task.index();
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
            log.debug("[{} #{}] {}", task.job(), task.index(), message);
            logged.print(message);
        }
    }
}
