package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI's client rides through a coordinator whose store is briefly unavailable. */
class CoordinatorClientTest {
    private HttpServer server;
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/jobs/j1", exchange -> {
            requests.incrementAndGet();
            boolean down = unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            byte[] body = (down
                            ? "{\"error\":\"store_unavailable\",\"message\":\"the store is unavailable\",\"field\":null}"
                            : "{\"id\":\"j1\",\"status\":\"running\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(down ? 503 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Test
    void storeUnavailable_isTriedAgainUntilItAnswers() {
        unavailable.set(2);
        CoordinatorClient client = new CoordinatorClient(url(), Duration.ofSeconds(10));
        assertThat(client.job("j1").get("status").asText()).isEqualTo("running");
        assertThat(requests.get()).isEqualTo(3);
    }

    @Test
    void storeUnavailableLongerThanThePatience_failsWithTheServersReason() {
        unavailable.set(1000);
        CoordinatorClient client = new CoordinatorClient(url(), Duration.ofMillis(300));
        assertThatThrownBy(() -> client.job("j1")).hasMessageContaining("the store is unavailable");
    }
}
