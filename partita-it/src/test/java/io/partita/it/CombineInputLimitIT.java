package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.worker.Worker;
import io.partita.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inputs of one combine task are bounded (issue 18: 48 outputs of 8 MB made the coordinator run
 * out of memory and loop): a job whose combine task would get more than {@code max-combine-input}
 * fails at once with an error naming the limit, and the coordinator keeps serving.
 */
@Timeout(120)
class CombineInputLimitIT {
    private static final String SOURCE = """
            export function compute(i) { return "x".repeat(2000); }
            export function combine(a, b) { return a.length + b.length; }
            """;

    @TempDir
    Path dir;

    @Test
    void combineInputsOverTheLimit_jobFailsNamingTheLimit() throws Exception {
        try (Grid grid = new Grid(
                        dir,
                        CoordinatorConfig.builder()
                                .auth(false)
                                .heartbeatInterval(Duration.ofMillis(500))
                                .maxCombineInputBytes(4096));
                Worker worker = Worker.start(
                        WorkerConfig.defaults(grid.coordinator.url()).withSlots(2))) {
            // 8 outputs of 2,002 bytes, 4 to a combine task: 8,008 bytes each, over 4,096.
            String id = grid.api.submit(Grid.jsSpec(SOURCE, "\"partitions\": 8, \"options\": {\"fanIn\": 4}"));
            JsonNode job = grid.awaitStatus(id, "failed", Duration.ofSeconds(60));
            assertThat(job.get("error").asText())
                    .contains("max-combine-input")
                    .contains("4096")
                    .contains("8008 bytes");
            assertThat(grid.api.get("/api/health").status()).isEqualTo(200);

            // Under the limit the same code runs to the end.
            String small = grid.api.submit(Grid.jsSpec(SOURCE, "\"partitions\": 2, \"options\": {\"fanIn\": 2}"));
            grid.awaitStatus(small, "done", Duration.ofSeconds(60));
        }
    }
}
