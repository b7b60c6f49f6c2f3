package io.partita.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A message of the worker protocol (version {@value #VERSION}), sent as one JSON text WebSocket
 * message with a {@code "type"} field. See {@code docs/protocol.md} for the conversation.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Message.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = Message.Welcome.class, name = "welcome"),
    @JsonSubTypes.Type(value = Message.Pull.class, name = "pull"),
    @JsonSubTypes.Type(value = Message.Tasks.class, name = "tasks"),
    @JsonSubTypes.Type(value = Message.Results.class, name = "results"),
    @JsonSubTypes.Type(value = Message.Ack.class, name = "ack"),
    @JsonSubTypes.Type(value = Message.Heartbeat.class, name = "heartbeat"),
    @JsonSubTypes.Type(value = Message.Cancel.class, name = "cancel"),
    @JsonSubTypes.Type(value = Message.Return.class, name = "return"),
    @JsonSubTypes.Type(value = Message.Drain.class, name = "drain"),
    @JsonSubTypes.Type(value = Message.Error.class, name = "error"),
    @JsonSubTypes.Type(value = Message.Calls.class, name = "calls"),
    @JsonSubTypes.Type(value = Message.Answers.class, name = "answers"),
    @JsonSubTypes.Type(value = Message.Suspend.class, name = "suspend"),
    @JsonSubTypes.Type(value = Message.Resume.class, name = "resume"),
})
public sealed interface Message {

    /** The protocol version this library speaks. */
    int VERSION = 1;

    /**
     * The level of a grid call's task: its {@code job} is the function's descriptor id ({@code
     * call:NAME@VERSION}), its {@code index} the call's number and its {@code input} the array of
     * arguments. See {@code docs/calls.md}.
     */
    int CALL_LEVEL = -3;

    /**
     * Worker → coordinator, first message: who the worker is and what it can run.
     *
     * @param protocol protocol version, {@value Message#VERSION}
     * @param kind {@code java}, {@code local}, {@code browser} or {@code relay}
     * @param name human-readable name
     * @param runtimes runtimes it can run, e.g. {@code ["java"]}
     * @param cores processor cores
     * @param memory bytes of memory available to tasks
     * @param functions names of the Java functions it has
     * @param slots tasks it runs at once
     * @param engines optional: the engine behind each runtime, e.g. {@code {"js": "GraalVM CE
     *     (JIT)"}} or {@code "Interpreted"}, so users can see which workers run JavaScript fast
     * @param features optional: what else the worker offers, e.g. {@code ["wasm", "webgpu"]}; jobs
     *     may require features
     * @param userAgent optional: the browser's user agent
     * @param onBattery optional: whether the device runs on battery, when it can tell
     * @param jobs optional: the only jobs this worker wants tasks of (a volunteer that opened a job's
     *     join page); empty or absent means any job
     * @param catalog optional: the version and purity of each function in {@code functions}, and
     *     which of them answer grid calls
     */
    record Hello(
            int protocol,
            String kind,
            String name,
            List<String> runtimes,
            int cores,
            long memory,
            List<String> functions,
            int slots,
            java.util.Map<String, String> engines,
            List<String> features,
            String userAgent,
            Boolean onBattery,
            List<String> jobs,
            List<FunctionInfo> catalog)
            implements Message {

        /** A hello without a catalog. */
        public Hello(
                int protocol,
                String kind,
                String name,
                List<String> runtimes,
                int cores,
                long memory,
                List<String> functions,
                int slots,
                java.util.Map<String, String> engines,
                List<String> features,
                String userAgent,
                Boolean onBattery,
                List<String> jobs) {
            this(
                    protocol, kind, name, runtimes, cores, memory, functions, slots, engines, features, userAgent,
                    onBattery, jobs, null);
        }

        /** A hello without the optional browser fields. */
        public Hello(
                int protocol,
                String kind,
                String name,
                List<String> runtimes,
                int cores,
                long memory,
                List<String> functions,
                int slots,
                java.util.Map<String, String> engines) {
            this(
                    protocol, kind, name, runtimes, cores, memory, functions, slots, engines, null, null, null, null,
                    null);
        }

        /** The catalog, never null. */
        public List<FunctionInfo> catalogList() {
            return catalog == null ? List.of() : catalog;
        }

        /** The features, never null. */
        public List<String> featureList() {
            return features == null ? List.of() : features;
        }

        /** The jobs this worker is restricted to, never null; empty means any. */
        public List<String> jobList() {
            return jobs == null ? List.of() : jobs;
        }
    }

    /**
     * A Java function a worker offers, as listed in its hello.
     *
     * @param name the function's name
     * @param kind {@code job} (a {@code JobFunction}) or {@code call} (a {@code CallFunction}, which
     *     answers grid calls)
     * @param version the version of its code: the one its annotation declares, else a hash of its
     *     class file; part of the cache key of its results
     * @param pure whether its results may be cached (calls only; absent means true)
     */
    record FunctionInfo(String name, String kind, String version, Boolean pure) {

        /** Whether results may be cached. */
        public boolean isPure() {
            return pure == null || pure;
        }
    }

    /**
     * Coordinator → worker, answer to hello.
     *
     * @param protocol protocol version the coordinator speaks
     * @param workerId the id the coordinator gave this connection
     * @param coordinator an id of the coordinator process, new at each start
     * @param heartbeatMillis how often the worker must send a heartbeat
     * @param maxMessageBytes largest message the coordinator accepts
     * @param maxBatch most tasks the coordinator sends in one message
     */
    record Welcome(
            int protocol,
            String workerId,
            String coordinator,
            long heartbeatMillis,
            int maxMessageBytes,
            int maxBatch,
            String volunteer)
            implements Message {

        /** A welcome without a volunteer id. */
        public Welcome(
                int protocol,
                String workerId,
                String coordinator,
                long heartbeatMillis,
                int maxMessageBytes,
                int maxBatch) {
            this(protocol, workerId, coordinator, heartbeatMillis, maxMessageBytes, maxBatch, null);
        }
    }

    /**
     * Worker → coordinator: grants {@code credits} more tasks. Credits add up; each task sent uses
     * one; each result or returned task processed by the coordinator gives one back.
     */
    record Pull(int credits) implements Message {}

    /**
     * Coordinator → worker: a batch of leased tasks, with the descriptors of jobs the worker has not
     * been told about on this connection yet.
     */
    record Tasks(List<JobInfo> jobs, List<Task> tasks) implements Message {}

    /**
     * What a worker needs to know about a job once.
     *
     * @param id the job id
     * @param function the function name
     * @param params the job's params object
     * @param partitions the partition count, or -1 before prepare
     * @param timeoutMillis the per-task time limit
     * @param runtime {@code java} (run the named Java function) or {@code js} (run the module
     *     {@code code}); absent means java
     * @param code for JavaScript jobs, the SHA-256 of the module, fetched from {@code GET
     *     /api/code/{hash}} and cached by hash
     */
    record JobInfo(
            String id,
            String function,
            JsonNode params,
            long partitions,
            long timeoutMillis,
            String runtime,
            String code) {}

    /**
     * One leased task attempt.
     *
     * @param job the job id
     * @param op {@code prepare}, {@code compute}, {@code combine} or {@code log}
     * @param level 0 for compute tasks, 1.. for combine levels, -1 for prepare, -2 for log
     * @param index the partition (level 0), combine-node index, or the event number of a log task
     *     (whose {@code input} is the event to pass to the module's {@code log})
     * @param attempt the attempt number, from 1
     * @param input a compute task's input when prepare materialised the inputs; else null
     * @param inputs a combine task's child outputs, in order; else null
     */
    record Task(String job, String op, int level, long index, int attempt, JsonNode input, List<JsonNode> inputs) {}

    /** Worker → coordinator: finished attempts. The coordinator acks them with {@code seq}. */
    record Results(long seq, List<Result> results) implements Message {}

    /**
     * The outcome of one task attempt: {@code output} when ok, else {@code error}.
     *
     * @param job the job id
     * @param level the task's level
     * @param index the task's index
     * @param attempt the attempt that produced it
     * @param ok whether it succeeded
     * @param output the output (JSON) when ok
     * @param error the error message when not ok
     * @param millis the time it ran, in milliseconds
     * @param log optional: what the job's logger returned ({@code returned}) and what the task and
     *     the logger printed ({@code printed}, a list of lines), kept in the job's event log
     */
    record Result(
            String job,
            int level,
            long index,
            int attempt,
            boolean ok,
            JsonNode output,
            String error,
            long millis,
            JsonNode log) {

        /** A result without logger output. */
        public Result(
                String job,
                int level,
                long index,
                int attempt,
                boolean ok,
                JsonNode output,
                String error,
                long millis) {
            this(job, level, index, attempt, ok, output, error, millis, null);
        }
    }

    /**
     * Coordinator → worker: the results sent with {@code seq} are durable (or were ignored as late
     * or duplicate: {@code ignored} counts those).
     */
    record Ack(long seq, int accepted, int ignored) implements Message {}

    /** Either way: I am alive. */
    record Heartbeat(long time) implements Message {}

    /**
     * Coordinator → worker: stop working on a job's tasks (job cancelled, or task leases revoked).
     * When {@code tasks} is empty the whole job is cancelled.
     */
    record Cancel(String job, List<TaskRef> tasks, String reason) implements Message {}

    /** Identifies one task attempt. */
    record TaskRef(String job, int level, long index, int attempt) {}

    /** Worker → coordinator: leased tasks the worker gives back unstarted. */
    record Return(List<TaskRef> tasks) implements Message {}

    /** Worker → coordinator: send me nothing more; I am shutting down. */
    record Drain(String reason) implements Message {}

    /** Either way: a problem with a message, named by {@code code}. */
    record Error(String code, String message) implements Message {}

    /**
     * Worker → coordinator: grid calls made by running tasks ({@code ctx.call}). Each is answered by
     * an {@link Answer} with the same id.
     */
    record Calls(List<CallRequest> calls) implements Message {}

    /**
     * One grid call made by a task.
     *
     * @param id a number the worker chose, unique on its connection
     * @param function the function's name
     * @param args the arguments, a JSON array
     * @param parent the task attempt that made the call; a call made by a call task names it, so the
     *     coordinator can refuse a call that waits for itself
     */
    record CallRequest(long id, String function, JsonNode args, TaskRef parent) {}

    /** Coordinator → worker: outcomes of the worker's grid calls. */
    record Answers(List<Answer> answers) implements Message {}

    /**
     * The outcome of one grid call: {@code value} when ok, else {@code error}.
     *
     * @param id the call's id, as the worker chose it
     * @param ok whether the call succeeded
     * @param value its result
     * @param error its error message
     */
    record Answer(long id, boolean ok, JsonNode value, String error) {}

    /**
     * Worker → coordinator: these task attempts wait for grid calls and have given their slots up.
     * Until resumed they do not count against what the worker may hold, and their time limit stops.
     */
    record Suspend(List<TaskRef> tasks) implements Message {}

    /** Worker → coordinator: these suspended task attempts run again (their time limit restarts). */
    record Resume(List<TaskRef> tasks) implements Message {}
}
