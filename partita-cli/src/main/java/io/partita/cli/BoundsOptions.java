package io.partita.cli;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.Limits;
import io.partita.coordinator.common.Sizes;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The {@code ./partita server} options of the coordinator's bounds added in issue 18's second round
 * (docs/limits.md), a picocli mixin of {@link ServerCommand}. Each is also a {@code --config} file
 * key of the same name without the dashes; the command line wins over the file, the file over the
 * default. A bad value names the option (or the file and the key) and the value.
 */
final class BoundsOptions {
    /** The {@code --config} keys of these options. */
    static final Set<String> KEYS = Set.of(
            "max-combine-input",
            "max-task-failures-per-minute",
            "max-job-event-bytes",
            "event-retention",
            "browser-task-cap",
            "requests-per-second");

    @Option(
            names = "--max-combine-input",
            paramLabel = "SIZE",
            description = "Largest total input of one combine task; a job over it fails naming the limit"
                    + " (default 256MiB).")
    String maxCombineInput;

    @Option(
            names = "--max-task-failures-per-minute",
            paramLabel = "N",
            description = "Failed tasks one worker connection may report in a minute before it is dropped;"
                    + " 0 for no limit (default 100).")
    String maxTaskFailuresPerMinute;

    @Option(
            names = "--max-job-event-bytes",
            paramLabel = "SIZE",
            description = "Most bytes of one job's task events kept in its event log; then one truncated"
                    + " event, and later ones are only counted (default 16MiB).")
    String maxJobEventBytes;

    @Option(
            names = "--event-retention",
            paramLabel = "DURATION",
            description = "How long the event log of a finished job is kept, e.g. 720h; 0 keeps it forever"
                    + " (default 2160h, 90 days).")
    String eventRetention;

    @Option(
            names = "--browser-task-cap",
            paramLabel = "DURATION",
            description = "Longest a task may run in a volunteer's browser, whatever its job's taskTimeout"
                    + " (default 60s).")
    String browserTaskCap;

    @Option(
            names = "--requests-per-second",
            paramLabel = "N",
            description = "Plain HTTP requests one IP address may make a second (bursts of twice as many);"
                    + " the server's own loopback address is exempt; 0 for no limit (default 50).")
    String requestsPerSecond;

    /**
     * Sets these bounds on {@code builder} from the command line, then {@code file}, then the defaults.
     *
     * @param source names the config file in errors
     * @throws CliException for a bad value
     */
    CoordinatorConfig.Builder applyTo(CoordinatorConfig.Builder builder, Properties file, String source) {
        builder.maxCombineInputBytes(
                size(maxCombineInput, file, source, "max-combine-input", Limits.DEFAULT_MAX_COMBINE_INPUT_BYTES));
        builder.maxTaskFailuresPerMinute(count(
                maxTaskFailuresPerMinute,
                file,
                source,
                "max-task-failures-per-minute",
                Limits.DEFAULT_MAX_TASK_FAILURES_PER_MINUTE));
        builder.maxJobEventBytes(
                size(maxJobEventBytes, file, source, "max-job-event-bytes", Limits.DEFAULT_MAX_JOB_EVENT_BYTES));
        builder.eventRetention(
                duration(eventRetention, file, source, "event-retention", Limits.DEFAULT_EVENT_RETENTION));
        builder.browserTaskCap(
                duration(browserTaskCap, file, source, "browser-task-cap", Limits.DEFAULT_BROWSER_TASK_CAP));
        builder.requestsPerSecond(
                count(requestsPerSecond, file, source, "requests-per-second", Limits.DEFAULT_REQUESTS_PER_SECOND));
        return builder;
    }

    private static Duration duration(String cli, Properties file, String source, String key, Duration fallback) {
        String value = value(cli, file, key);
        if (value == null) {
            return fallback;
        }
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    where(cli, source, key) + " must be a duration such as 30s, 5m or 720h, was '" + value + "'", e);
        }
    }

    private static int count(String cli, Properties file, String source, String key, int fallback) {
        String value = value(cli, file, key);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.replace("_", ""));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CliException(where(cli, source, key) + " must be a whole number of at least 0, was '" + value + "'");
    }

    private static long size(String cli, Properties file, String source, String key, long fallback) {
        String value = value(cli, file, key);
        if (value == null) {
            return fallback;
        }
        try {
            return Sizes.parse(value, where(cli, source, key));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    private static String value(String cli, Properties file, String key) {
        if (cli != null) {
            return cli;
        }
        String v = file.getProperty(key);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String where(String cli, String source, String key) {
        return cli != null ? "--" + key : source + ": '" + key + "'";
    }
}
