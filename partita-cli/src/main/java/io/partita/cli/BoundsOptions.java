package io.partita.cli;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.Limits;
import io.partita.coordinator.common.Sizes;
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
    static final Set<String> KEYS = Set.of("max-combine-input");

    @Option(
            names = "--max-combine-input",
            paramLabel = "SIZE",
            description = "Largest total input of one combine task; a job over it fails naming the limit"
                    + " (default 256MiB).")
    String maxCombineInput;

    /**
     * Sets these bounds on {@code builder} from the command line, then {@code file}, then the defaults.
     *
     * @param source names the config file in errors
     * @throws CliException for a bad value
     */
    CoordinatorConfig.Builder applyTo(CoordinatorConfig.Builder builder, Properties file, String source) {
        builder.maxCombineInputBytes(
                size(maxCombineInput, file, source, "max-combine-input", Limits.DEFAULT_MAX_COMBINE_INPUT_BYTES));
        return builder;
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
