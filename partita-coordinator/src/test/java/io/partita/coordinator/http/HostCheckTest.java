package io.partita.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.coordinator.CoordinatorConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which Host headers a coordinator answers (the DNS rebinding defence). */
class HostCheckTest {
    private static boolean allows(HostCheck c, String host) {
        return c.allows(Optional.of(host));
    }

    @Test
    void loopbackDefault_allowsLocalNamesAndAddresses_only() {
        HostCheck c = new HostCheck(CoordinatorConfig.builder().build());
        assertThat(c.active()).isTrue();
        for (String ok : List.of(
                "localhost",
                "localhost:8080",
                "LOCALHOST:1",
                "localhost.",
                "app.localhost:8080",
                "127.0.0.1:8080",
                "[::1]:8080",
                "[::1]",
                "192.168.1.20:8080")) {
            assertThat(allows(c, ok)).as(ok).isTrue();
        }
        for (String bad : List.of(
                "evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.nip.io", "", ":8080")) {
            assertThat(allows(c, bad)).as(bad).isFalse();
        }
        assertThat(c.allows(Optional.empty())).isTrue();
    }

    @Test
    void publicUrlAndAllowedHosts_areAdded_wildcardSuffixAndStar() {
        HostCheck c = new HostCheck(CoordinatorConfig.builder()
                .host("0.0.0.0")
                .publicUrl("https://Grid.Example.org:8443/")
                .allowedHosts(List.of("lab-pc", "*.corp.example"))
                .build());
        assertThat(c.active()).isTrue();
        assertThat(allows(c, "grid.example.org:8443")).isTrue();
        assertThat(allows(c, "grid.example.org")).isTrue();
        assertThat(allows(c, "lab-pc")).isTrue();
        assertThat(allows(c, "x.y.corp.example:80")).isTrue();
        assertThat(allows(c, "corp.example")).isFalse();
        assertThat(allows(c, "evilcorp.example")).isFalse();
        assertThat(allows(c, "example.org")).isFalse();

        HostCheck any = new HostCheck(
                CoordinatorConfig.builder().allowedHosts(List.of("*")).build());
        assertThat(any.active()).isFalse();
        assertThat(allows(any, "whatever.example")).isTrue();
    }

    @Test
    void allInterfacesWithoutNames_isOff_namedBindIsAllowed() {
        assertThat(new HostCheck(CoordinatorConfig.builder().host("0.0.0.0").build()).active())
                .isFalse();
        HostCheck named = new HostCheck(CoordinatorConfig.builder()
                .host("my-pc.lan")
                .allowedHosts(List.of("other"))
                .build());
        assertThat(allows(named, "my-pc.lan:8080")).isTrue();
        assertThat(allows(named, "evil.example")).isFalse();
    }

    @Test
    void refusal_is421_namingTheHostAndTheOption() {
        HostCheck c = new HostCheck(CoordinatorConfig.builder().build());
        var e = c.refusal(Optional.of("Evil.Example:8080"), "/10.0.0.1:5555");
        assertThat(HttpSupport.status(e.kind())).isEqualTo(421);
        assertThat(e.code()).isEqualTo("host_not_allowed");
        assertThat(e.getMessage()).contains("Evil.Example:8080").contains("--allowed-host evil.example");
    }

    @Test
    void config_badPublicUrlAllowedHostOrHalfTls_isRefusedNamingTheSetting() {
        for (String bad : List.of(
                "grid.example.org",
                "ftp://grid.example.org",
                "https://grid.example.org/app",
                "https://u@grid.example.org",
                "https://grid.example.org?x=1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> CoordinatorConfig.builder().publicUrl(bad).build())
                    .as(bad)
                    .hasMessageContaining("public-url");
        }
        for (String bad : List.of("grid.example.org:8080", "https://grid.example.org", "a b", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoordinatorConfig.builder()
                            .allowedHosts(List.of(bad))
                            .build())
                    .as(bad)
                    .hasMessageContaining("allowed-host");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoordinatorConfig.builder()
                        .tlsCert(java.nio.file.Path.of("cert.pem"))
                        .build())
                .hasMessageContaining("tls-cert and tls-key");
    }
}
