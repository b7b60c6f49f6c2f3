package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command that creates a job (submit, rerun): prints its id and, with {@code --wait}, follows its
 * progress and prints its result.
 */
abstract class JobCommand extends CliCommand {
    static final Set<String> TERMINAL = Set.of("done", "failed", "cancelled");
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PLAIN_EVERY = Duration.ofSeconds(2);
    private static final Duration RECONNECT_FOR = Duration.ofSeconds(60);

    @Mixin
    ClientOptions client;

    @Option(
            names = {"-p", "--param"},
            paramLabel = "KEY=VALUE",
            description = "Set params.KEY in the spec (repeatable). VALUE is JSON if it parses, else a string;"
                    + " a.b=1 sets a nested field.")
    List<String> params = new ArrayList<>();

    @Option(
            names = {"-w", "--wait"},
            description = "Wait for the job to end and print its result.")
    boolean await;

    /** Prints the created job's id; with --wait, follows it and prints its result. */
    int report(CoordinatorClient c, JsonNode created) throws Exception {
        String id = created.path("id").asText(null);
        if (id == null) {
            throw new CliException("coordinator answered without a job id: " + created);
        }
        if (!await) {
            out().println(id);
            out().flush();
            return 0;
        }
        JsonNode last = follow(c, id);
        String status = last.path("status").asText();
        if (!status.equals("done")) {
            String error = last.path("error").asText("");
            throw new CliException("job " + id + " " + status + (error.isBlank() ? "" : ": " + oneLine(error)));
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        c.result(id, buffer);
        String result = buffer.toString(StandardCharsets.UTF_8);
        out().print(result);
        if (!result.endsWith("\n")) {
            out().println();
        }
        out().flush();
        return 0;
    }

    /**
     * Prints the job's id and polls the job until it is terminal, showing progress on stderr.
     * Stopped by Ctrl-C (or a SIGTERM), it says on its way out that the job goes on and how to
     * cancel it.
     */
    private JsonNode follow(CoordinatorClient c, String id) throws InterruptedException {
        boolean terminal = Terminal.isTerminal();
        PrintWriter err = err();
        Thread note = Thread.ofPlatform().name("partita-stopped-waiting").unstarted(() -> {
            err.println((terminal ? "\n" : "") + stoppedWaiting(id));
            err.flush();
        });
        // Before the id is printed: whoever sees the id and stops us sees the note.
        Runtime.getRuntime().addShutdownHook(note);
        try {
            out().println(id);
            out().flush();
            return poll(c, id, terminal);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(note);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the note is being printed
            }
        }
    }

    /** The line printed when {@code submit --wait} is stopped: the job is not cancelled. */
    static String stoppedWaiting(String id) {
        return "partita: stopped waiting; job " + id + " goes on (cancel it with: partita cancel " + id + ")";
    }

    private JsonNode poll(CoordinatorClient c, String id, boolean terminal) throws InterruptedException {
        long lastPlain = 0;
        long unreachableSince = 0;
        String lastBar = "";
        while (true) {
            JsonNode job;
            try {
                job = c.job(id);
                unreachableSince = 0;
            } catch (CoordinatorClient.Unreachable e) {
                // The coordinator may be restarting; it resumes the job. Keep trying for a while.
                long now = System.nanoTime();
                if (unreachableSince == 0) {
                    unreachableSince = now;
                    if (terminal && !lastBar.isEmpty()) {
                        err().println();
                    }
                    err().println("partita: " + e.getMessage() + " (retrying)");
                    err().flush();
                } else if (now - unreachableSince > RECONNECT_FOR.toNanos()) {
                    throw e.asCliException();
                }
                TimeUnit.MILLISECONDS.sleep(1000);
                continue;
            }
            String status = job.path("status").asText();
            boolean end = TERMINAL.contains(status);
            if (terminal) {
                String bar = Progress.bar(job, 30);
                if (!bar.equals(lastBar) || end) {
                    err().print("\r" + bar + "\u001b[K");
                    if (end) {
                        err().println();
                    }
                    err().flush();
                    lastBar = bar;
                }
            } else {
                long now = System.nanoTime();
                if (end || lastPlain == 0 || now - lastPlain >= PLAIN_EVERY.toNanos()) {
                    err().println(Progress.line(job));
                    err().flush();
                    lastPlain = now;
                }
            }
            if (end) {
                return job;
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
