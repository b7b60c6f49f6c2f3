package io.partita.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The quotas as an operator writes them ({@code --quota}, {@code --tenant-weight}) and their breaches. */
class QuotasTest {
    private static final Principal SUBMITTER = new Principal("t", "sam", Principal.Role.SUBMITTER, "lab");

    @Test
    void eachQuota_isSetByItsName() {
        Quotas q = Quotas.DEFAULT
                .with("priority=5")
                .with("task-timeout=30m")
                .with("attempts=3")
                .with("live-jobs=7")
                .with("in-flight=40")
                .with("calls-in-flight=100")
                .with(" CALL-DEPTH = 9 ")
                .with("stored-bytes=2GiB")
                .with("event-bytes=64MiB")
                .withWeight("lab=2.5");
        assertThat(q)
                .isEqualTo(new Quotas(
                        5,
                        Duration.ofMinutes(30),
                        3,
                        7,
                        40,
                        100,
                        9,
                        2L << 30,
                        64L << 20,
                        java.util.Map.of("lab", 2.5)));
        assertThat(Quotas.NAMES).hasSize(9);
    }

    @Test
    void badQuotas_nameTheQuotaAndTheProblem() {
        assertThatThrownBy(() -> Quotas.DEFAULT.with("live-jobs"))
                .hasMessageContaining("must be NAME=VALUE")
                .hasMessageContaining("live-jobs, in-flight");
        assertThatThrownBy(() -> Quotas.DEFAULT.with("jobs=3")).hasMessageContaining("unknown quota 'jobs'");
        assertThatThrownBy(() -> Quotas.DEFAULT.with("attempts=many"))
                .hasMessageContaining("quota attempts must be a whole number, was 'many'");
        assertThatThrownBy(() -> Quotas.DEFAULT.with("attempts=0"))
                .hasMessageContaining("quota attempts must be at least 1, was 0");
        assertThatThrownBy(() -> Quotas.DEFAULT.with("in-flight=-1")).hasMessageContaining("in-flight");
        assertThatThrownBy(() -> Quotas.DEFAULT.with("task-timeout=soon")).hasMessageContaining("soon");
        assertThatThrownBy(() -> Quotas.DEFAULT.withWeight("lab=0"))
                .hasMessageContaining("weight of tenant lab must be positive");
        assertThatThrownBy(() -> Quotas.DEFAULT.withWeight("lab=heavy"))
                .hasMessageContaining("weight of tenant lab must be a number, was 'heavy'");
        assertThatThrownBy(() -> Quotas.DEFAULT.withWeight("lab")).hasMessageContaining("TENANT=WEIGHT");
    }

    @Test
    void liveJobs_isA429NamingTenantLimitAndUse_andAdminsAreNotLimited() {
        Quotas q = Quotas.DEFAULT.with("live-jobs=2");
        q.checkJob(SUBMITTER, 0, Duration.ofMinutes(1), 1, 1);
        assertThatThrownBy(() -> q.checkJob(SUBMITTER, 0, Duration.ofMinutes(1), 1, 2))
                .isInstanceOfSatisfying(PartitaException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PartitaException.Kind.TOO_MANY);
                    assertThat(e.code()).isEqualTo("quota_exceeded");
                })
                .hasMessageContaining("quota live-jobs of tenant lab: limit 2, in use 2");
        q.checkJob(Principal.OPEN, 1000, Duration.ofDays(1), 100, 50);
    }

    @Test
    void storedBytes_isA429NamingLimitUseAndWhatIsAdded_offByDefault() {
        Quotas.DEFAULT.checkStored(SUBMITTER, Long.MAX_VALUE / 2, 1);
        Quotas q = Quotas.DEFAULT.with("stored-bytes=1000");
        q.checkStored(SUBMITTER, 400, 600);
        assertThatThrownBy(() -> q.checkStored(SUBMITTER, 400, 601))
                .hasMessageContaining("quota stored-bytes of tenant lab: limit 1000, in use 400, adding 601");
        assertThatThrownBy(() -> q.checkStored(SUBMITTER, 1000, 0))
                .hasMessageContaining("limit 1000, in use 1000;")
                .hasMessageContaining("DELETE /api/datasets");
        q.checkStored(Principal.OPEN, 5000, 5000);
        assertThatThrownBy(() -> Quotas.DEFAULT.with("stored-bytes=lots")).hasMessageContaining("stored-bytes");
    }
}
