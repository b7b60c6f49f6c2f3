package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;

/** Formats job progress for people: the terminal bar and the plain periodic line. */
final class Progress {
    private Progress() {}

    /**
     * The one-line progress bar, e.g. {@code [#####.....] 5123/10000 51% 1234 tasks/s ETA 4s}.
     *
     * @param width number of cells in the bar, at least 1
     * @param etaSeconds remaining seconds, or negative when unknown (shown as {@code ETA --})
     */
    static String bar(long done, long total, double rate, double etaSeconds, int width) {
        int percent = percent(done, total);
        int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
        return "["
                + "#".repeat(filled)
                + ".".repeat(width - filled)
                + "] "
                + done
                + "/"
                + total
                + " "
                + percent
                + "% "
                + rate(rate)
                + " "
                + eta(etaSeconds);
    }

    /** The plain progress line printed every few seconds when the output is not a terminal. */
    static String line(String id, String status, long done, long total, double rate, double etaSeconds) {
        return "job "
                + id
                + " "
                + status
                + ": "
                + done
                + "/"
                + total
                + " ("
                + percent(done, total)
                + "%) "
                + rate(rate)
                + " "
                + eta(etaSeconds);
    }

    /**
     * Formats the progress of a job JSON ({@code GET /api/jobs/{id}}) as a bar, followed by why it
     * waits when no connected worker can run it ({@code waiting}).
     */
    static String bar(JsonNode job, int width) {
        return bar(done(job), total(job), job.path("rate").asDouble(0), eta(job), width) + waiting(job);
    }

    /** Formats the progress of a job JSON as a plain line. */
    static String line(JsonNode job) {
        return line(
                        job.path("id").asText(),
                        job.path("status").asText(),
                        done(job),
                        total(job),
                        job.path("rate").asDouble(0),
                        eta(job))
                + waiting(job);
    }

    /** {@code " · waiting: no connected worker offers runtime js"}, or empty. */
    static String waiting(JsonNode job) {
        JsonNode reason = job.path("waiting");
        return reason.isTextual() ? " · waiting: " + reason.asText() : "";
    }

    static long done(JsonNode job) {
        return job.path("counts").path("done").asLong(0);
    }

    static long total(JsonNode job) {
        return job.path("partitions").asLong(0);
    }

    private static double eta(JsonNode job) {
        JsonNode eta = job.path("etaSeconds");
        return eta.isNumber() ? eta.asDouble() : -1;
    }

    private static int percent(long done, long total) {
        return total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
    }

    private static String rate(double rate) {
        return String.format(Locale.ROOT, "%d tasks/s", Math.round(Math.max(0, rate)));
    }

    private static String eta(double seconds) {
        if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "ETA --";
        }
        return "ETA " + Durations.format(Duration.ofMillis((long) Math.ceil(seconds * 1000)));
    }
}
