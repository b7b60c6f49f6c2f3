package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.testing.JavaProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker process killed while it holds combine tasks: they run again elsewhere, nothing is lost. */
class CombineFailoverIT {
    @TempDir
    Path dir;

    @Test
    void workerKilledHoldingCombineTasks_resultIsStillExact() throws Exception {
        int n = 2000;
        String source = """
                export function compute(i) { return i + 1; }
                export function combine(a, b) {
                  const end = Date.now() + 5;
                  while (Date.now() < end) {}
                  return a + b;
                }
                """;
        ObjectNode spec = new ObjectMapper().createObjectNode();
        spec.putObject("code").put("language", "js").put("source", source);
        spec.put("partitions", n);
        spec.putObject("options").put("fanIn", 50); // 40 combines of ~0.25 s each
        try (Grid grid = new Grid(dir)) {
            JavaProcess victim = grid.worker("victim", 1);
            grid.worker("survivor", 1);
            grid.awaitWorkers(2);
            String id = grid.api.submit(spec.toString());
            Awaitility.await("victim holding combine tasks")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> victimCombining(grid) > 0);
            victim.kill();
            JsonNode job = grid.awaitStatus(id, "done", Duration.ofSeconds(120));
            assertThat(grid.api.get("/api/jobs/" + id + "/result").body())
                    .isEqualTo(String.valueOf(Executions.expectedSum(n)));
            assertThat(job.get("counts").get("retried").asLong()).isPositive();
        }
    }

    private static long victimCombining(Grid grid) {
        for (JsonNode w : grid.api.get("/api/workers").json().get("items")) {
            if (w.get("name").asText().equals("victim")) {
                long running = 0;
                for (JsonNode count : w.get("combining")) {
                    running += count.asLong();
                }
                return running;
            }
        }
        return 0;
    }
}
