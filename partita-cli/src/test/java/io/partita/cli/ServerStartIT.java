package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code partita server} start-up failures in a real process: one line on stderr, no stack trace. */
class ServerStartIT {

    @Test
    void server_portInUse_oneLineAndNonZeroExit(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            Process server = new ProcessBuilder(List.of(
                            BotsCommand.javaBinary(),
                            "-cp",
                            distClassPath(),
                            Main.class.getName(),
                            "server",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            Integer.toString(port),
                            "--local-workers",
                            "0",
                            "--data",
                            dir.resolve("data").toString()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            try {
                // Before the fix it logged two stack traces, printed "listening on ...:-1/" and ran on.
                assertThat(server.waitFor(60, TimeUnit.SECONDS))
                        .as("server exited; stderr: %s", Files.readString(err))
                        .isTrue();
                assertThat(server.exitValue()).isEqualTo(1);
                assertThat(Files.readString(out)).isEmpty();
                assertThat(Files.readAllLines(err))
                        .containsExactly("partita: cannot listen on 127.0.0.1:" + port
                                + ": Address already in use (choose another --port, or 0 for a free one)");
            } finally {
                server.destroyForcibly();
            }
        }
    }

    private static String distClassPath() {
        String lib = System.getProperty("partita.dist.lib");
        assertThat(lib)
                .as("system property partita.dist.lib (set by the failsafe configuration)")
                .isNotNull();
        assertThat(Path.of(lib)).isDirectory();
        return Path.of(lib).resolve("*").toString();
    }
}
