package io.partita.coordinator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.coordinator.CoordinatorConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pieces of the local-worker supervisor that need no process: backoff, settings, command line. */
class LocalWorkersTest {

    @Test
    void backoff_quickDeathsDouble_upToTheCap_andAStableRunResets() {
        RestartBackoff backoff = new RestartBackoff(() -> 0.5); // no jitter: factor 1.0
        Duration quick = Duration.ofSeconds(1);
        assertThat(backoff.afterDeath(quick)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.afterDeath(quick)).isEqualTo(Duration.ofMillis(1000));
        assertThat(backoff.crashLooping()).isFalse();
        assertThat(backoff.afterDeath(quick)).isEqualTo(Duration.ofMillis(2000));
        assertThat(backoff.crashLooping()).isTrue();
        for (int i = 0; i < 20; i++) {
            backoff.afterDeath(quick);
        }
        assertThat(backoff.afterDeath(quick)).isEqualTo(RestartBackoff.MAX);
        assertThat(backoff.afterDeath(RestartBackoff.STABLE)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.crashLooping()).isFalse();
    }

    @Test
    void backoff_jitterStaysWithinTwentyPercent() {
        assertThat(new RestartBackoff(() -> 0.0).afterDeath(Duration.ZERO)).isEqualTo(Duration.ofMillis(400));
        assertThat(new RestartBackoff(() -> 0.999999).afterDeath(Duration.ZERO)).isEqualTo(Duration.ofMillis(600));
    }

    @Test
    void settings_slotsSpreadOverProcessesOfAtMostFour() {
        assertThat(new CoordinatorConfig.LocalWorkers(0, 0, List.of("M")).processes())
                .isZero();
        assertThat(new CoordinatorConfig.LocalWorkers(2, 0, List.of("M")).processes())
                .isEqualTo(1);
        assertThat(new CoordinatorConfig.LocalWorkers(4, 0, List.of("M")).processes())
                .isEqualTo(1);
        assertThat(new CoordinatorConfig.LocalWorkers(5, 0, List.of("M")).processes())
                .isEqualTo(2);
    }

    @Test
    void settings_defaultHeap_isAQuarterOfMemoryShared_atLeast512MiB() {
        long gib = 1L << 30;
        assertThat(new CoordinatorConfig.LocalWorkers(8, 0, List.of("M")).heapBytes(24 * gib))
                .isEqualTo(3 * gib);
        assertThat(new CoordinatorConfig.LocalWorkers(2, 0, List.of("M")).heapBytes(gib))
                .isEqualTo(512L << 20);
        assertThat(new CoordinatorConfig.LocalWorkers(2, 128L << 20, List.of("M")).heapBytes(24 * gib))
                .isEqualTo(128L << 20);
    }

    @Test
    void settings_badValues_nameTheOption() {
        assertThatThrownBy(() -> CoordinatorConfig.builder().localWorkers(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local-workers must be between 0 and 4096, was -1");
        assertThatThrownBy(() ->
                        CoordinatorConfig.builder().localWorkerHeap(1 << 20).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local-worker-heap must be at least 64MiB, was 1048576 bytes");
        assertThat(CoordinatorConfig.builder().build().localWorkers().slots()).isZero();
    }

    @Test
    void command_hasTheChildsOwnCaps_andNoToken() {
        List<String> cmd = LocalWorkers.command(
                new CoordinatorConfig.LocalWorkers(2, 256L << 20, CoordinatorConfig.LocalWorkers.DEFAULT_ENTRY_POINT),
                URI.create("http://127.0.0.1:8080"),
                "local",
                2,
                256L << 20);
        assertThat(cmd)
                .contains("-Xmx256m", "-XX:MaxDirectMemorySize=128m", "-XX:+ExitOnOutOfMemoryError")
                .containsSequence("io.partita.cli.Main", "worker", "--coordinator", "http://127.0.0.1:8080")
                .containsSequence("--slots", "2", "--name", "local")
                .endsWith(LocalWorkers.SUPERVISED_OPTION);
        assertThat(cmd.stream().filter(a -> a.startsWith("-Xmx"))).hasSize(1);
    }

    @Test
    void inheritedOptions_dropMemoryCapsAgentsAndDebugPorts_keepTheRest() {
        assertThat(LocalWorkers.inheritedJvmOptions(List.of(
                        "-Xmx8g",
                        "-Xms1g",
                        "-XX:MaxDirectMemorySize=1g",
                        "-XX:MaxRAMPercentage=50.0",
                        "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                        "-javaagent:/tmp/jacoco.jar",
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:+EnableJVMCI",
                        "--upgrade-module-path=/opt/jvmci",
                        "-Dpolyglot.engine.userResourceCache=/tmp/cache",
                        "-XX:+UseSerialGC")))
                .containsExactly(
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:+EnableJVMCI",
                        "--upgrade-module-path=/opt/jvmci",
                        "-Dpolyglot.engine.userResourceCache=/tmp/cache",
                        "-XX:+UseSerialGC");
    }
}
