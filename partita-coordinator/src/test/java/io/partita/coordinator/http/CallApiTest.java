package io.partita.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.partita.coordinator.common.PartitaException;
import org.junit.jupiter.api.Test;

class CallApiTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void waitMillis_durationString_accepted() {
        assertThat(CallApi.waitMillis(NODES.textNode("30s"))).isEqualTo(30_000);
        assertThat(CallApi.waitMillis(NODES.textNode("250ms"))).isEqualTo(250);
        assertThat(CallApi.waitMillis(NODES.textNode("PT1H"))).isEqualTo(3_600_000);
    }

    @Test
    void waitMillis_numberOrAbsent_asBefore() {
        assertThat(CallApi.waitMillis(NODES.numberNode(1500))).isEqualTo(1500);
        assertThat(CallApi.waitMillis(null)).isEqualTo(CallApi.DEFAULT_WAIT_MILLIS);
        assertThat(CallApi.waitMillis(NODES.nullNode())).isEqualTo(CallApi.DEFAULT_WAIT_MILLIS);
    }

    @Test
    void waitMillis_bad_namesFieldAndValue() {
        assertThatThrownBy(() -> CallApi.waitMillis(NODES.textNode("soon")))
                .isInstanceOf(PartitaException.class)
                .hasMessage("timeout must be a duration such as 30s, 5m, 250ms, 2h or ISO-8601 PT30S, was 'soon'");
        assertThatThrownBy(() -> CallApi.waitMillis(NODES.textNode("2h")))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("was \"2h\"");
        assertThatThrownBy(() -> CallApi.waitMillis(NODES.numberNode(0)))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("was 0");
        assertThatThrownBy(() -> CallApi.waitMillis(NODES.textNode("0s")))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("timeout must be");
    }
}
