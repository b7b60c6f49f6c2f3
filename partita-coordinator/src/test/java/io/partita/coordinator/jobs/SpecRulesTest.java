package io.partita.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.data.Capabilities;
import io.partita.coordinator.data.DataJobs;
import io.partita.coordinator.data.Datasets;
import io.partita.coordinator.sched.Scheduler;
import io.partita.data.Format;
import io.partita.store.FileBlobStore;
import io.partita.store.Store;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Jobs ({@link JobSpec}) and data jobs ({@link DataJobs}: MapReduce and query) check the fields
 * they share with {@link SpecRules}: the same bad value gets the same error naming the same field
 * on every path, and a field left out gets the same default. Each test goes through the real entry
 * points, so a check added to one path only makes it fail.
 */
class SpecRulesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String FUNCTION = "examples/wordcount";

    @TempDir
    Path dir;

    Store store;
    DataJobs dataJobs;
    String dataset;

    @BeforeEach
    void open() throws Exception {
        store = Store.open("jdbc:sqlite:" + dir.resolve("p.db"));
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        CoordinatorConfig config = CoordinatorConfig.builder().auth(false).build();
        Datasets datasets = new Datasets(store, blobs, config, MAPPER, () -> 1000L);
        // A header and no rows: a data job over it finishes at submit, without any worker.
        dataset = datasets.upload(
                        "empty", Format.CSV, 4096, new ByteArrayInputStream("x,y\n".getBytes(StandardCharsets.UTF_8)))
                .id();
        Scheduler scheduler = new Scheduler(store, MAPPER, config, System::nanoTime, System::currentTimeMillis, "t");
        FunctionCatalog catalog = new FunctionCatalog();
        catalog.announce(List.of(FUNCTION));
        dataJobs = new DataJobs(
                scheduler,
                store,
                blobs,
                datasets,
                new CodeService(store, 1 << 20),
                catalog,
                new Capabilities(scheduler::leaseCurrent, 1 << 20),
                MAPPER,
                () -> 2000L);
    }

    @AfterEach
    void close() {
        dataJobs.close();
        store.close();
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private ObjectNode job(String extra) {
        return json("{'function': 'f', 'partitions': 10" + extra + "}");
    }

    private ObjectNode mapReduce(String extra) {
        return json("{'dataset': '" + dataset + "', 'function': '" + FUNCTION + "'" + extra + "}");
    }

    private ObjectNode query(String extra) {
        return json("{'dataset': '" + dataset + "', 'select': ['x']" + extra + "}");
    }

    private static PartitaException error(ThrowingSupplier<?> submit) {
        try {
            Object accepted = submit.get();
            throw new AssertionError("accepted, expected a PartitaException: " + accepted);
        } catch (PartitaException e) {
            return e;
        } catch (Throwable e) {
            throw new AssertionError("expected a PartitaException", e);
        }
    }

    /** The three paths refuse {@code extra} with one error naming {@code field}. */
    private void assertSameError(String extra, String field) {
        PartitaException job = error(() -> JobSpec.parse(job(extra), 1000));
        PartitaException mapReduce = error(() -> dataJobs.submitMapReduce(mapReduce(extra)));
        PartitaException query = error(() -> dataJobs.submitQuery(query(extra)));
        assertThat(job.field()).contains(field);
        for (PartitaException other : List.of(mapReduce, query)) {
            assertThat(other.kind()).isEqualTo(job.kind());
            assertThat(other.code()).isEqualTo(job.code());
            assertThat(other.field()).isEqualTo(job.field());
            assertThat(other.getMessage()).isEqualTo(job.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "'options': 'fast'                        | options",
                "'options': {'maxAttempts': 0}            | options.maxAttempts",
                "'options': {'maxAttempts': 101}          | options.maxAttempts",
                "'options': {'maxAttempts': '3'}          | options.maxAttempts",
                "'options': {'maxAttempts': 4294967299}   | options.maxAttempts",
                "'options': {'priority': 1001}            | options.priority",
                "'options': {'priority': -1001}           | options.priority",
                "'options': {'priority': 1.5}             | options.priority",
                "'options': {'taskTimeout': 'soon'}       | options.taskTimeout",
                "'options': {'taskTimeout': 60}           | options.taskTimeout",
                "'options': {'taskTimeout': 'PT0S'}       | options.taskTimeout",
                "'options': {'taskTimeout': 'P2D'}        | options.taskTimeout",
                "'name': 5                                | name",
                "'name': ['a']                            | name",
            })
    void sharedField_badValue_sameErrorOnEveryPath(String extra, String field) {
        assertSameError(", " + extra, field);
    }

    @Test
    void name_overTheLimit_sameErrorOnEveryPath() {
        assertSameError(", 'name': '" + "n".repeat(SpecRules.MAX_NAME_LENGTH + 1) + "'", "name");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {"''", "'   '", "5", "{}"})
    void functionName_bad_sameErrorForJobsAndMapReduce(String function) {
        String spec = "{'function': " + function + "}";
        PartitaException job = error(() -> JobSpec.parse(json(spec), 1000));
        PartitaException mapReduce = error(
                () -> dataJobs.submitMapReduce(json("{'dataset': '" + dataset + "', 'function': " + function + "}")));
        assertThat(job.field()).contains("function");
        assertThat(mapReduce.field()).isEqualTo(job.field());
        assertThat(mapReduce.getMessage()).isEqualTo(job.getMessage());
    }

    @Test
    void functionName_overTheLimit_sameErrorForJobsAndMapReduce() {
        String function = "'" + "f".repeat(SpecRules.MAX_FUNCTION_LENGTH + 1) + "'";
        PartitaException job = error(() -> JobSpec.parse(json("{'function': " + function + "}"), 1000));
        PartitaException mapReduce = error(
                () -> dataJobs.submitMapReduce(json("{'dataset': '" + dataset + "', 'function': " + function + "}")));
        assertThat(mapReduce.field()).isEqualTo(job.field());
        assertThat(mapReduce.getMessage()).isEqualTo(job.getMessage());
    }

    @Test
    void specNotAnObject_sameErrorOnEveryPath() {
        JsonNode array = MAPPER.createArrayNode();
        PartitaException job = error(() -> JobSpec.parse(array, 1000));
        for (PartitaException other :
                List.of(error(() -> dataJobs.submitMapReduce(array)), error(() -> dataJobs.submitQuery(array)))) {
            assertThat(other.field()).isEqualTo(job.field());
            assertThat(other.getMessage()).isEqualTo(job.getMessage());
        }
    }

    /** What a data job stored as its phase jobs' options. */
    private ObjectNode storedOptions(ObjectNode described) throws Exception {
        JsonNode doc = MAPPER.readTree(
                store.dataJob(described.get("id").textValue()).orElseThrow().doc());
        ObjectNode options = MAPPER.createObjectNode();
        options.set("maxAttempts", doc.get("maxAttempts"));
        options.set("taskTimeout", doc.get("taskTimeout"));
        options.set("priority", doc.get("priority"));
        return options;
    }

    /** A job's options as it stores them, without the options data jobs do not take. */
    private static ObjectNode jobOptions(JobSpec spec) {
        ObjectNode options = (ObjectNode) spec.toJson().get("options");
        options.retain("maxAttempts", "taskTimeout", "priority");
        return options;
    }

    @Test
    void optionsLeftOut_sameDefaultsOnEveryPath() throws Exception {
        ObjectNode job = jobOptions(JobSpec.parse(job(""), 1000));
        assertThat(job.get("taskTimeout").textValue())
                .isEqualTo(SpecRules.DEFAULT_TASK_TIMEOUT.toString())
                .isEqualTo("PT1M");
        assertThat(job.get("maxAttempts").intValue()).isEqualTo(SpecRules.DEFAULT_MAX_ATTEMPTS);
        assertThat(job.get("priority").intValue()).isEqualTo(SpecRules.DEFAULT_PRIORITY);
        assertThat(storedOptions(dataJobs.submitMapReduce(mapReduce("")))).isEqualTo(job);
        assertThat(storedOptions(dataJobs.submitQuery(query("")))).isEqualTo(job);
    }

    @Test
    void optionsGiven_sameValuesOnEveryPath() throws Exception {
        String options = ", 'options': {'maxAttempts': 7, 'taskTimeout': 'PT5M', 'priority': -3}";
        ObjectNode job = jobOptions(JobSpec.parse(job(options), 1000));
        assertThat(job).isEqualTo(json("{'maxAttempts': 7, 'taskTimeout': 'PT5M', 'priority': -3}"));
        assertThat(storedOptions(dataJobs.submitMapReduce(mapReduce(options)))).isEqualTo(job);
        assertThat(storedOptions(dataJobs.submitQuery(query(options)))).isEqualTo(job);
    }

    @Test
    void taskTimeoutShortSyntax_sameValueOnEveryPath() throws Exception {
        String options = ", 'options': {'taskTimeout': '30s'}";
        ObjectNode job = jobOptions(JobSpec.parse(job(options), 1000));
        assertThat(job.get("taskTimeout").textValue()).isEqualTo("PT30S");
        assertThat(storedOptions(dataJobs.submitMapReduce(mapReduce(options)))).isEqualTo(job);
        assertThat(storedOptions(dataJobs.submitQuery(query(options)))).isEqualTo(job);
    }

    @Test
    void timeLimit_everyUnitAndIso() {
        var nodes = MAPPER.getNodeFactory();
        assertThat(SpecRules.timeLimit(nodes.textNode("250ms"), "timeout", Duration.ZERO))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(SpecRules.timeLimit(nodes.textNode("5m"), "timeout", Duration.ZERO))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(SpecRules.timeLimit(nodes.textNode("2h"), "timeout", Duration.ZERO))
                .isEqualTo(Duration.ofHours(2));
        assertThat(SpecRules.timeLimit(nodes.textNode("PT30S"), "timeout", Duration.ZERO))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void timeLimit_notADuration_namesTheFieldAndValue() {
        PartitaException e =
                error(() -> SpecRules.timeLimit(MAPPER.getNodeFactory().textNode("soon"), "options.taskTimeout", null));
        assertThat(e.field()).contains("options.taskTimeout");
        assertThat(e.getMessage())
                .isEqualTo("options.taskTimeout must be a duration such as 30s, 5m, 250ms, 2h or ISO-8601 PT30S,"
                        + " was 'soon'");
    }

    @Test
    void emptyName_isANameOnEveryPath() {
        assertThat(JobSpec.parse(job(", 'name': ''"), 1000).name()).isEmpty();
        assertThat(dataJobs.submitMapReduce(mapReduce(", 'name': ''"))
                        .get("name")
                        .textValue())
                .isEmpty();
        assertThat(dataJobs.submitQuery(query(", 'name': ''")).get("name").textValue())
                .isEmpty();
    }

    @Test
    void timeLimit_outOfRange_namesTheFieldAndValue() {
        PartitaException e =
                error(() -> SpecRules.timeLimit(MAPPER.getNodeFactory().textNode("PT-1S"), "timeout", Duration.ZERO));
        assertThat(e.field()).contains("timeout");
        assertThat(e.getMessage()).isEqualTo("timeout must be between PT0.001S and P1D, was PT-1S");
        assertThat(SpecRules.timeLimit(null, "timeout", Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    }
}
