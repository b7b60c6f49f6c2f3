package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.Limits;
import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bounds' server options and config keys: command line over file over default, bad values named. */
class BoundsOptionsTest {

    private static Properties props(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    private static Limits limits(String file, String... args) throws Exception {
        ServerCommand cmd = new ServerCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.bounds
                .applyTo(CoordinatorConfig.builder(), props(file), "config file test.properties")
                .build()
                .limits();
    }

    @Test
    void nothingGiven_defaults() throws Exception {
        Limits l = limits("");
        assertThat(l.maxCombineInputBytes()).isEqualTo(Limits.DEFAULT_MAX_COMBINE_INPUT_BYTES);
        assertThat(l.maxTaskFailuresPerMinute()).isEqualTo(Limits.DEFAULT_MAX_TASK_FAILURES_PER_MINUTE);
        assertThat(l.maxJobEventBytes()).isEqualTo(Limits.DEFAULT_MAX_JOB_EVENT_BYTES);
        assertThat(l.eventRetention()).isEqualTo(Limits.DEFAULT_EVENT_RETENTION);
        assertThat(l.browserTaskCap()).isEqualTo(Limits.DEFAULT_BROWSER_TASK_CAP);
        assertThat(l.requestsPerSecond()).isEqualTo(Limits.DEFAULT_REQUESTS_PER_SECOND);
    }

    @Test
    void fileOverridesDefault_commandLineOverridesFile() throws Exception {
        assertThat(limits("max-combine-input=1MiB").maxCombineInputBytes()).isEqualTo(1L << 20);
        assertThat(limits("max-combine-input=1MiB", "--max-combine-input", "2MiB")
                        .maxCombineInputBytes())
                .isEqualTo(2L << 20);
    }

    @Test
    void badValue_namesOptionOrKeyAndValue() {
        assertThatThrownBy(() -> limits("max-combine-input=lots"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("test.properties")
                .hasMessageContaining("max-combine-input")
                .hasMessageContaining("lots");
        assertThatThrownBy(() -> limits("", "--max-combine-input", "12parsecs"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("--max-combine-input")
                .hasMessageContaining("12parsecs");
    }

    @Test
    void eventBounds_fromFileAndCommandLine() throws Exception {
        Limits l = limits("max-job-event-bytes=1MiB\nevent-retention=720h", "--event-retention", "0");
        assertThat(l.maxJobEventBytes()).isEqualTo(1L << 20);
        assertThat(l.eventRetention()).isEqualTo(java.time.Duration.ZERO);
        assertThat(limits("event-retention=720h").eventRetention()).isEqualTo(java.time.Duration.ofHours(720));
        assertThatThrownBy(() -> limits("event-retention=soon"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("event-retention")
                .hasMessageContaining("soon");
    }

    @Test
    void browserCapAndRequestRate_fromFileAndCommandLine() throws Exception {
        Limits l = limits("browser-task-cap=5s\nrequests-per-second=7", "--requests-per-second", "9");
        assertThat(l.browserTaskCap()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(l.requestsPerSecond()).isEqualTo(9);
        assertThatThrownBy(() -> limits("requests-per-second=-1"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("requests-per-second")
                .hasMessageContaining("-1");
    }

    @Test
    void boundKeys_areKnownConfigKeys() {
        assertThat(ServerSettings.KEYS).containsAll(BoundsOptions.KEYS);
    }
}
