package io.partita.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataTasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void mergeConcatenatesAttemptsInOrder_sumsCounters_andKeepsTenSkipped() throws Exception {
        StringBuilder skipped = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            skipped.append(i == 0 ? "" : ",").append("{\"line\":").append(i).append(",\"error\":\"x\"}");
        }
        JsonNode a = JSON.readTree("{\"attempts\":[1],\"counters\":{\"recordsIn\":10,\"bytesIn\":100,\"millis\":5},"
                + "\"skipped\":[" + skipped + "]}");
        JsonNode b = JSON.readTree("{\"attempts\":[2,1],\"counters\":{\"recordsIn\":5,\"recordsOut\":3,\"keys\":2},"
                + "\"skipped\":[" + skipped + "]}");
        JsonNode merged = DataTasks.merge(List.of(a, b));
        assertThat(merged.get("attempts")).hasToString("[1,2,1]");
        assertThat(merged.get("counters").get("recordsIn").asLong()).isEqualTo(15);
        assertThat(merged.get("counters").get("recordsOut").asLong()).isEqualTo(3);
        assertThat(merged.get("counters").get("bytesIn").asLong()).isEqualTo(100);
        assertThat(merged.get("counters").get("keys").asLong()).isEqualTo(2);
        assertThat(merged.get("skipped")).hasSize(10);
        // merging merges gives the same as merging the leaves: a phase of many tasks has a tree of merges
        assertThat(DataTasks.merge(List.of(DataTasks.merge(List.of(a)), DataTasks.merge(List.of(b)))))
                .isEqualTo(merged);
    }

    @Test
    void onlyDataOpsAreHandled() {
        assertThat(DataTasks.handles("map")).isTrue();
        assertThat(DataTasks.handles("reduce")).isTrue();
        assertThat(DataTasks.handles("merge")).isTrue();
        assertThat(DataTasks.handles("combine")).isFalse();
        assertThat(DataTasks.handles("compute")).isFalse();
    }
}
