package io.partita.coordinator.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SSRF guard's address rules, and that {@link GuardedHttp} connects to the address it checked. */
@Timeout(30)
class FetchGuardTest {
    /** Answers from a fixed table and counts the look-ups (OkHttp's FakeDns). */
    static final class FakeDns implements FetchGuard.Resolver {
        final Map<String, List<InetAddress>> table = new ConcurrentHashMap<>();
        final AtomicInteger lookups = new AtomicInteger();

        FakeDns map(String host, String... addresses) {
            table.put(
                    host,
                    java.util.Arrays.stream(addresses).map(FetchGuardTest::ip).toList());
            return this;
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            List<InetAddress> a = table.get(host);
            if (a == null) {
                throw new UnknownHostException(host);
            }
            return a.toArray(InetAddress[]::new);
        }
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final FetchGuard STRICT = new FetchGuard(List.of());

    @Test
    void refusal_everyInternalRange_named() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("127.0.0.1", "loopback"),
                Map.entry("127.255.0.9", "loopback"),
                Map.entry("::1", "loopback"),
                Map.entry("0.0.0.0", "unspecified"),
                Map.entry("::", "unspecified"),
                Map.entry("10.0.0.1", "private"),
                Map.entry("172.16.0.1", "private"),
                Map.entry("172.31.255.255", "private"),
                Map.entry("192.168.1.1", "private"),
                Map.entry("fd00::1", "private"),
                Map.entry("fc00::1", "private"),
                Map.entry("169.254.169.254", "metadata"),
                Map.entry("169.254.1.1", "link-local"),
                Map.entry("fe80::1", "link-local"),
                Map.entry("100.64.0.1", "carrier-grade NAT"),
                Map.entry("100.127.255.254", "carrier-grade NAT"),
                Map.entry("224.0.0.1", "multicast"),
                Map.entry("ff02::1", "multicast"),
                Map.entry("255.255.255.255", "broadcast"),
                Map.entry("::ffff:169.254.169.254", "metadata"),
                Map.entry("::127.0.0.1", "loopback"),
                Map.entry("64:ff9b::a00:1", "private"),
                Map.entry("2002:7f00:1::", "loopback"));
        cases.forEach((address, why) -> assertThat(STRICT.refusal(ip(address)))
                .as(address)
                .hasValueSatisfying(r -> assertThat(r).contains(why)));
    }

    @Test
    void refusal_publicAddresses_allowed() {
        for (String address : List.of("8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111")) {
            assertThat(STRICT.refusal(ip(address))).as(address).isEmpty();
        }
    }

    @Test
    void allowList_cidrAddressAndName() {
        FakeDns dns = new FakeDns().map("lab.internal", "10.9.9.9").map("other.internal", "10.9.9.9");
        FetchGuard guard = new FetchGuard(List.of("192.168.0.0/16", "127.0.0.1", "LAB.internal"), dns);
        assertThat(guard.refusal(ip("192.168.77.1"))).isEmpty();
        assertThat(guard.refusal(ip("127.0.0.1"))).isEmpty();
        assertThat(guard.refusal(ip("127.0.0.2"))).isPresent();
        assertThat(guard.resolve("lab.internal", "url")).isEqualTo(ip("10.9.9.9"));
        assertThatThrownBy(() -> guard.resolve("other.internal", "url"))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("private");
    }

    @Test
    void allowList_badEntry_rejectedNamingIt() {
        assertThatThrownBy(() -> new FetchGuard(List.of("10.0.0.0/33"))).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> new FetchGuard(List.of("not a host"))).hasMessageContaining("allow-fetch");
    }

    @Test
    void resolve_anyInternalRecord_refusesTheName() {
        FakeDns dns = new FakeDns().map("mixed.example", "93.184.216.34", "169.254.169.254");
        assertThatThrownBy(() -> new FetchGuard(List.of(), dns).resolve("mixed.example", "code.url"))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("code.url")
                .hasMessageContaining("metadata");
    }

    @Test
    void get_connectsToTheCheckedAddress_onceResolved_withTheNameAsHost() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Map<String, String> seenHost = new ConcurrentHashMap<>();
        server.createContext("/", exchange -> {
            seenHost.put("host", exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            // data.example exists only in the fake DNS: the request can reach the server only through
            // the address the guard checked.
            FakeDns dns = new FakeDns().map("data.example", "127.0.0.1");
            GuardedHttp http = new GuardedHttp(
                    new FetchGuard(List.of("127.0.0.1/32"), dns), Duration.ofSeconds(5), Duration.ofSeconds(5));
            int port = server.getAddress().getPort();
            try (GuardedHttp.Response r =
                    http.get("http://data.example:" + port + "/x", "url", Duration.ofSeconds(10))) {
                assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("hello\n");
            }
            assertThat(seenHost.get("host")).isEqualTo("data.example:" + port);
            assertThat(dns.lookups.get()).isEqualTo(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void get_chunkedBodyAndRelativeRedirect_readWhole() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] big = "0123456789abcdef\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        server.createContext("/a/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", "../data/chunked?x=1");
            exchange.sendResponseHeaders(301, -1);
            exchange.close();
        });
        server.createContext("/data/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // no length: chunked
            try (var out = exchange.getResponseBody()) {
                for (int i = 0; i < big.length; i += 7000) {
                    out.write(big, i, Math.min(7000, big.length - i));
                    out.flush();
                }
            }
        });
        server.start();
        try {
            GuardedHttp http =
                    new GuardedHttp(new FetchGuard(List.of("127.0.0.1")), Duration.ofSeconds(5), Duration.ofSeconds(5));
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/a/moved";
            try (GuardedHttp.Response r = http.get(url, "url", Duration.ofSeconds(10))) {
                assertThat(r.contentLength()).isEqualTo(-1);
                assertThat(r.body().readAllBytes()).isEqualTo(big);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void get_errorStatus_namesTheStatusOnly() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "internal secret".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(403, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            GuardedHttp http =
                    new GuardedHttp(new FetchGuard(List.of("127.0.0.1")), Duration.ofSeconds(5), Duration.ofSeconds(5));
            assertThatThrownBy(() -> http.get(
                            "http://127.0.0.1:" + server.getAddress().getPort() + "/x",
                            "code.url",
                            Duration.ofSeconds(5)))
                    .isInstanceOf(PartitaException.class)
                    .hasMessageContaining("HTTP 403")
                    .hasMessageNotContaining("secret");
        } finally {
            server.stop(0);
        }
    }
}
