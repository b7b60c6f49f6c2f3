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
        assertThat(limits("").maxCombineInputBytes()).isEqualTo(Limits.DEFAULT_MAX_COMBINE_INPUT_BYTES);
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
    void boundKeys_areKnownConfigKeys() {
        assertThat(ServerSettings.KEYS).containsAll(BoundsOptions.KEYS);
    }
}
