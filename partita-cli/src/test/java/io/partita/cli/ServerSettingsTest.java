package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerSettingsTest {

    private static Properties props(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    private static ServerSettings resolve(ServerSettings.Overrides cli, String file) throws Exception {
        return ServerSettings.resolve(cli, props(file), "config file test.properties", 3);
    }

    @Test
    void resolve_nothingGiven_defaults() throws Exception {
        ServerSettings s = resolve(ServerSettings.Overrides.none(), "");
        assertThat(s)
                .isEqualTo(new ServerSettings(
                        "127.0.0.1", 8080, Path.of("partita-data"), 3, Optional.empty(), 10_000_000));
    }

    @Test
    void resolve_fileOverridesDefaults() throws Exception {
        ServerSettings s = resolve(ServerSettings.Overrides.none(), """
            port=8081
            data=/srv/partita
            local-workers=2
            store=jdbc:postgresql://127.0.0.1:5432/test
            host=127.0.0.1
            max-partitions=5000
            """);
        assertThat(s)
                .isEqualTo(new ServerSettings(
                        "127.0.0.1",
                        8081,
                        Path.of("/srv/partita"),
                        2,
                        Optional.of("jdbc:postgresql://127.0.0.1:5432/test"),
                        5000));
    }

    @Test
    void resolve_commandLineOverridesFile() throws Exception {
        ServerSettings s = resolve(
                new ServerSettings.Overrides("::1", 9000, Path.of("d"), 0, "", 7),
                "port=8081\n"
                        + "data=x\n"
                        + "local-workers=2\n"
                        + "store=jdbc:sqlite:/tmp/x.db\n"
                        + "host=h\n"
                        + "max-partitions=9\n");
        assertThat(s).isEqualTo(new ServerSettings("::1", 9000, Path.of("d"), 0, Optional.empty(), 7));
    }

    @Test
    void resolve_emptyHostOrStoreInFile_meansDefault() throws Exception {
        ServerSettings s = resolve(ServerSettings.Overrides.none(), "host=\nstore=\n");
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.store()).isEmpty();
    }

    @Test
    void resolve_unknownKey_namesKeyAndValue() {
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "port=1\nprot=8081\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("test.properties")
                .hasMessageContaining("unknown key 'prot'")
                .hasMessageContaining("'8081'");
    }

    @Test
    void resolve_badValue_namesKeyAndValue() {
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "port=eighty\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'port'")
                .hasMessageContaining("'eighty'");
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "local-workers=-1\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'local-workers'")
                .hasMessageContaining("'-1'");
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "max-partitions=0\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'max-partitions'");
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "port=70000\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'70000'");
        assertThatThrownBy(() -> resolve(ServerSettings.Overrides.none(), "store=mysql://x\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'store'")
                .hasMessageContaining("mysql://x");
        assertThatThrownBy(() -> resolve(new ServerSettings.Overrides(null, null, null, null, "mysql://y", null), ""))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("--store")
                .hasMessageContaining("mysql://y");
    }

    @Test
    void resolve_badValueInFile_errorEvenWhenCommandLineOverridesIt() {
        assertThatThrownBy(() ->
                        resolve(new ServerSettings.Overrides(null, null, null, 2, null, null), "local-workers=many\n"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'local-workers'")
                .hasMessageContaining("'many'");
    }

    @Test
    void serverCommand_readsConfigFileWithPrecedence(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "port=8081\nlocal-workers=2\nhost=127.0.0.1\n");
        ServerCommand cmd = new ServerCommand();
        new CommandLine(cmd).parseArgs("--config", file.toString(), "--port", "0");
        ServerSettings s = cmd.settings();
        assertThat(s.port()).isZero();
        assertThat(s.localWorkers()).isEqualTo(2);
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.dataDir()).isEqualTo(Path.of("partita-data"));
    }

    @Test
    void serverCommand_missingConfigFile_isError(@TempDir Path dir) {
        ServerCommand cmd = new ServerCommand();
        new CommandLine(cmd)
                .parseArgs("--config", dir.resolve("nope.properties").toString());
        assertThatThrownBy(cmd::settings).isInstanceOf(CliException.class).hasMessageContaining("nope.properties");
    }
}
