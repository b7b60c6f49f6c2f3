package io.partita.coordinator.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.core.Trust;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who is {@code local}: the local token, from this machine only. */
class TrustGateTest {
    private final TrustGate gate = new TrustGate(CoordinatorConfig.Trust.STRICT);

    @Test
    void localToken_fromLoopback_isLocal() throws Exception {
        Optional<String> header = Optional.of("Bearer " + gate.localToken());
        assertThat(gate.classify(header, false, InetAddress.getByName("127.0.0.1")))
                .isEqualTo(Trust.LOCAL);
        assertThat(gate.classify(header, false, InetAddress.getByName("::1"))).isEqualTo(Trust.LOCAL);
    }

    @Test
    void localToken_fromAnotherMachine_isUntrusted() throws Exception {
        Optional<String> header = Optional.of("Bearer " + gate.localToken());
        // TEST-NET-3: never an address of this machine
        assertThat(gate.classify(header, false, InetAddress.getByName("203.0.113.7")))
                .isEqualTo(Trust.UNTRUSTED);
        assertThat(gate.classify(header, false, null)).isEqualTo(Trust.UNTRUSTED);
    }

    @Test
    void anotherToken_fromLoopback_isUntrusted() throws Exception {
        assertThat(gate.classify(Optional.of("Bearer " + "A".repeat(43)), false, InetAddress.getByName("127.0.0.1")))
                .isEqualTo(Trust.UNTRUSTED);
        assertThat(gate.classify(Optional.empty(), false, InetAddress.getByName("127.0.0.1")))
                .isEqualTo(Trust.UNTRUSTED);
        assertThat(new TrustGate(CoordinatorConfig.Trust.STRICT).localToken()).isNotEqualTo(gate.localToken());
    }
}
