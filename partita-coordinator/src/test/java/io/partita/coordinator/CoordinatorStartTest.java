package io.partita.coordinator;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures of {@link Coordinator#start(CoordinatorConfig)}. */
class CoordinatorStartTest {

    @Test
    void start_portInUse_throwsWithBindCauseInsteadOfListeningNowhere(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            CoordinatorConfig config = CoordinatorConfig.builder()
                    .auth(false)
                    .host("127.0.0.1")
                    .port(port)
                    .dataDir(dir.resolve("data"))
                    .build();
            // Before: Helidon logged the failed bind and start returned a coordinator on port -1.
            assertThatThrownBy(() -> Coordinator.start(config).close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + port + ": ")
                    .hasCauseInstanceOf(BindException.class);
        }
    }
}
