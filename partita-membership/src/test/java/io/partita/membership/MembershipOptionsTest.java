package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MembershipOptionsTest {

    @Test
    void defaults_areTenSecondLeaseAndOneSecondHeartbeat() {
        MembershipOptions o = MembershipOptions.defaults();
        assertThat(o.leaseTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.safetyMargin()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.keepConnection()).isTrue();
    }

    @Test
    void negativeLease_isRejected_namingFieldAndValue() {
        assertThatThrownBy(() -> MembershipOptions.defaults().withLeaseTimeout(Duration.ofSeconds(-3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease-timeout must be positive, was PT-3S");
    }

    @Test
    void zeroHeartbeat_isRejected() {
        assertThatThrownBy(() -> MembershipOptions.defaults().withHeartbeatInterval(Duration.ZERO))
                .hasMessage("heartbeat must be positive, was PT0S");
    }

    @Test
    void heartbeatTooCloseToLease_isRejected() {
        assertThatThrownBy(() -> MembershipOptions.defaults().withHeartbeatInterval(Duration.ofSeconds(5)))
                .hasMessageContaining("heartbeat + safety-margin must be at most half of lease-timeout")
                .hasMessageContaining("PT5S");
    }

    @Test
    void negativeMargin_andLongLabel_areRejected() {
        assertThatThrownBy(() -> MembershipOptions.defaults().withSafetyMargin(Duration.ofMillis(-1)))
                .hasMessage("safety-margin must not be negative, was PT-0.001S");
        assertThatThrownBy(() -> MembershipOptions.defaults().withLabel("x".repeat(201)))
                .hasMessage("label must be at most 200 characters, was 201");
    }
}
