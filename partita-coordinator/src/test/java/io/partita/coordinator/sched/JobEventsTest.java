package io.partita.coordinator.sched;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.jobs.JobSpec;
import io.partita.store.JobEvent;
import io.partita.store.JobStatus;
import org.junit.jupiter.api.Test;

/** The bounds on task events: per job, and over all the live jobs of a tenant ({@code event-bytes}). */
class JobEventsTest {
    private final ObjectMapper mapper = new ObjectMapper();

    private JobRun job(String id, String tenant) throws Exception {
        return new JobRun(
                id,
                JobSpec.parse(mapper.readTree("{\"function\": \"f\", \"partitions\": 1000}"), 1000),
                0,
                JobStatus.RUNNING,
                tenant);
    }

    private JobEvent logged(JobEvents events, JobRun job, int i) {
        var e = events.create("partition");
        e.put("partition", i);
        e.put("logged", "x".repeat(100));
        return events.taskEvent(job, e);
    }

    @Test
    void aTenantsLiveJobsTogether_stopAtItsEventBytes_andAJobThatEndsGivesItsShareBack() throws Exception {
        JobEvents events = new JobEvents(mapper, () -> 1L, 10_000, 1 << 20, 4_000);
        JobRun a = job("a", "lab");
        JobRun b = job("b", "lab");
        JobRun other = job("c", "course");
        int kept = 0;
        for (int i = 0; i < 100; i++) {
            JobEvent e = logged(events, i % 2 == 0 ? a : b, i);
            if (e == null) {
                break;
            }
            if (e.type().equals("truncated")) {
                assertThat(e.json())
                        .contains("tenant lab")
                        .contains("quota event-bytes")
                        .contains("limit is 4000");
                break;
            }
            kept++;
        }
        assertThat(kept).as("two jobs of one tenant share its bound").isBetween(20, 40);
        assertThat(a.taskEventBytes + b.taskEventBytes).isLessThanOrEqualTo(4_000);
        assertThat(logged(events, other, 0).type())
                .as("another tenant has its own")
                .isEqualTo("partition");

        // b was not the one cut off: once a ends, b has room again
        JobRun stillLogging = a.taskEventsDropped > 0 ? b : a;
        JobRun cut = stillLogging == a ? b : a;
        events.ended(cut);
        assertThat(logged(events, stillLogging, 1000).type()).isEqualTo("partition");
    }
}
