package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Store} must have; one subclass per database. */
abstract class StoreContract {
    Store store;

    /** Opens a fresh, empty store. */
    abstract Store openFresh() throws Exception;

    /** Reopens the same store after {@link Store#close()}. */
    abstract Store reopen() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openFresh();
    }

    @AfterEach
    void close() {
        store.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void insertJob_isReadBack() {
        store.insertJob(StoredJob.submitted("j1", "pi", "examples/pi", "{\"a\":1}", 10, 1000));
        StoredJob job = store.job("j1").orElseThrow();
        assertThat(job.name()).isEqualTo("pi");
        assertThat(job.function()).isEqualTo("examples/pi");
        assertThat(job.spec()).isEqualTo("{\"a\":1}");
        assertThat(job.partitions()).isEqualTo(10);
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job.error()).isEmpty();
        assertThat(job.result()).isEmpty();
        assertThat(job.finishedAt()).isEmpty();
        assertThat(store.job("nope")).isEmpty();
    }

    @Test
    void hostRecords_areReplacedByKey_surviveReopen_andPageByCredit() throws Exception {
        store.saveHosts(List.of(
                new HostRecord("v:aa", null, 3, 0, 0, 3, 0, 900, 9.0, 1),
                new HostRecord("v:bb", "Ada", 10, 1, 4, 2, 1, 4000, 40.0, 2)));
        store.saveHosts(List.of(new HostRecord("v:aa", "Bo", 5, 0, 1, 5, 0, 1500, 50.0, 3)));
        store = reopen();
        assertThat(store.hostCount()).isEqualTo(2);
        assertThat(store.host("v:aa")).contains(new HostRecord("v:aa", "Bo", 5, 0, 1, 5, 0, 1500, 50.0, 3));
        assertThat(store.host("v:zz")).isEmpty();
        assertThat(store.hosts(0, 10)).extracting(HostRecord::key).containsExactly("v:aa", "v:bb");
        assertThat(store.hosts(1, 10)).extracting(HostRecord::key).containsExactly("v:bb");
    }

    @Test
    void recordFailures_keepsTheLargerCount_survivesReopen_andGoesWithTheJob() throws Exception {
        store.insertJob(StoredJob.submitted("f", "a", "f", "{}", 4, 1));
        store.recordFailures(List.of(new TaskFailures("f", 0, 2, 1), new TaskFailures("f", -1, 0, 2)));
        store.recordFailures(List.of(new TaskFailures("f", 0, 2, 2), new TaskFailures("f", 1, 0, 1)));
        store.recordFailures(List.of(new TaskFailures("f", 0, 2, 1))); // a late, smaller count
        store = reopen();
        assertThat(store.failures("f"))
                .containsExactly(
                        new TaskFailures("f", -1, 0, 2),
                        new TaskFailures("f", 0, 2, 2),
                        new TaskFailures("f", 1, 0, 1));
        assertThat(store.failures("other")).isEmpty();
        store.deleteJob("f");
        assertThat(store.failures("f")).isEmpty();
    }

    @Test
    void insertJob_duplicateId_failsAndKeepsFirst() {
        store.insertJob(StoredJob.submitted("j1", "a", "f", "{}", 1, 1));
        assertThatThrownBy(() -> store.insertJob(StoredJob.submitted("j1", "b", "f", "{}", 1, 2)))
                .isInstanceOf(StoreException.class);
        assertThat(store.job("j1").orElseThrow().name()).isEqualTo("a");
    }

    @Test
    void jobs_pagesNewestFirst() {
        for (int i = 0; i < 5; i++) {
            store.insertJob(StoredJob.submitted("j" + i, "n" + i, "f", "{}", 1, 100 + i));
        }
        assertThat(store.jobCount()).isEqualTo(5);
        assertThat(store.jobs(0, 2)).extracting(StoredJob::id).containsExactly("j4", "j3");
        assertThat(store.jobs(2, 2)).extracting(StoredJob::id).containsExactly("j2", "j1");
        assertThat(store.jobs(4, 2)).extracting(StoredJob::id).containsExactly("j0");
    }

    @Test
    void unfinishedJobs_excludesFinalOnes() {
        store.insertJob(StoredJob.submitted("a", "a", "f", "{}", 1, 1));
        store.insertJob(StoredJob.submitted("b", "b", "f", "{}", -1, 2));
        store.insertJob(StoredJob.submitted("c", "c", "f", "{}", 1, 3));
        assertThat(store.finish("c", JobStatus.CANCELLED, Optional.empty(), 5)).isTrue();
        assertThat(store.unfinishedJobs()).extracting(StoredJob::id).containsExactly("a", "b");
        assertThat(store.job("b").orElseThrow().status()).isEqualTo(JobStatus.PREPARING);
    }

    @Test
    void prepared_setsPartitionsAndInputsOnce() {
        store.insertJob(StoredJob.submitted("p", "p", "f", "{}", -1, 1));
        assertThat(store.prepared("p", 3, List.of(bytes("1"), bytes("2"), bytes("3"))))
                .isTrue();
        assertThat(store.prepared("p", 5, List.of())).isFalse();
        StoredJob job = store.job("p").orElseThrow();
        assertThat(job.partitions()).isEqualTo(3);
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(store.inputs("p")).extracting(StoreContract::text).containsExactly("1", "2", "3");
    }

    @Test
    void commit_storesOutputsPrunesChildrenAndFinishesAtRoot() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 4, 1));
        TreeShape shape = new TreeShape(4, 2); // levels: 4, 2, 1
        store.commit(List.of(
                new Completion("j", 0, 0, 1, bytes("1"), -1, -1, false),
                new Completion("j", 0, 1, 1, bytes("2"), -1, -1, false),
                new Completion("j", 0, 2, 2, bytes("3"), -1, -1, false)));
        assertThat(store.outputs("j", 0, 0, 4)).extracting(StoreContract::text).containsExactly("1", "2", "3");
        store.commit(List.of(new Completion("j", 1, 0, 1, bytes("3"), 0, 2, false)));
        assertThat(store.outputs("j", 0, 0, 4)).extracting(StoreContract::text).containsExactly("3");
        BitSet[] stored = store.storedNodes("j", shape);
        assertThat(stored[0].toString()).isEqualTo("{2}");
        assertThat(stored[1].toString()).isEqualTo("{0}");
        BitSet[] complete = shape.complete(stored);
        assertThat(complete[0].toString()).isEqualTo("{0, 1, 2}");

        store.commit(List.of(
                new Completion("j", 0, 3, 1, bytes("4"), -1, -1, false),
                new Completion("j", 1, 1, 1, bytes("7"), 2, 4, false),
                new Completion("j", 2, 0, 1, bytes("10"), 0, 2, true)));
        StoredJob job = store.job("j").orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.DONE);
        assertThat(text(job.result().orElseThrow())).isEqualTo("10");
        assertThat(job.finishedAt()).isPresent();
        assertThat(store.unfinishedJobs()).isEmpty();
    }

    @Test
    void commit_sameNodeTwice_keepsFirstOutput() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 2, 1));
        store.commit(List.of(new Completion("j", 0, 0, 1, bytes("first"), -1, -1, false)));
        store.commit(List.of(new Completion("j", 0, 0, 2, bytes("second"), -1, -1, false)));
        assertThat(store.outputs("j", 0, 0, 1)).extracting(StoreContract::text).containsExactly("first");
    }

    @Test
    void commit_rootOfCancelledJob_doesNotResurrectIt() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 1, 1));
        store.finish("j", JobStatus.CANCELLED, Optional.of("by user"), 2);
        store.commit(List.of(new Completion("j", 0, 0, 1, bytes("1"), -1, -1, true)));
        StoredJob job = store.job("j").orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.result()).isEmpty();
    }

    @Test
    void finish_onlyOnce() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 1, 1));
        assertThat(store.finish("j", JobStatus.FAILED, Optional.of("partition 0: boom"), 5))
                .isTrue();
        assertThat(store.finish("j", JobStatus.CANCELLED, Optional.empty(), 6)).isFalse();
        StoredJob job = store.job("j").orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).contains("partition 0: boom");
        assertThat(job.finishedAt()).contains(5L);
        assertThatThrownBy(() -> store.finish("j", JobStatus.RUNNING, Optional.empty(), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deleteJob_removesEverything() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", -1, 1));
        store.prepared("j", 1, List.of(bytes("x")));
        store.commit(
                List.of(new Completion("j", 0, 0, 1, bytes("1"), -1, -1, false)),
                List.of(new JobEvent("j", 1, 5, "started", "{}")));
        store.deleteJob("j");
        assertThat(store.job("j")).isEmpty();
        assertThat(store.inputs("j")).isEmpty();
        assertThat(store.outputs("j", 0, 0, 1)).isEmpty();
        assertThat(store.events("j", 0, 10)).isEmpty();
        assertThat(store.lastEventSeq("j")).isZero();
    }

    @Test
    void outputBytes_sumsTheStoredOutputsOfARange() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 3, 1));
        store.commit(
                List.of(
                        new Completion("j", 0, 0, 1, bytes("\"abc\""), -1, -1, false),
                        new Completion("j", 0, 1, 1, bytes("12"), -1, -1, false),
                        new Completion("j", 0, 2, 1, bytes("é"), -1, -1, false)),
                List.of());
        assertThat(store.outputBytes("j", 0, 0, 3)).isEqualTo(5 + 2 + 2);
        assertThat(store.outputBytes("j", 0, 1, 2)).isEqualTo(2);
        assertThat(store.outputBytes("j", 1, 0, 3)).isZero();
        assertThat(store.outputBytes("other", 0, 0, 3)).isZero();
    }

    @Test
    void deleteEventsFinishedBefore_deletesOnlyEventsOfJobsFinishedEarlier() {
        for (String id : List.of("old", "recent", "running")) {
            store.insertJob(StoredJob.submitted(id, id, "f", "{}", 1, 1));
            store.commit(List.of(), List.of(new JobEvent(id, 1, 5, "started", "{}")));
        }
        store.finish("old", JobStatus.DONE, Optional.empty(), 100);
        store.finish("recent", JobStatus.FAILED, Optional.of("x"), 300);
        assertThat(store.deleteEventsFinishedBefore(200)).isEqualTo(1);
        assertThat(store.events("old", 0, 10)).isEmpty();
        assertThat(store.job("old")).isPresent();
        assertThat(store.events("recent", 0, 10)).hasSize(1);
        assertThat(store.events("running", 0, 10)).hasSize(1);
        assertThat(store.deleteEventsFinishedBefore(200)).isZero();
    }

    @Test
    void events_areKeptInOrderAndRewrittenBySeq() {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 2, 1));
        assertThat(store.lastEventSeq("j")).isZero();
        store.commit(
                List.of(new Completion("j", 0, 0, 1, bytes("1"), -1, -1, false)),
                List.of(
                        new JobEvent("j", 2, 11, "partition", "{\"partition\":0}"),
                        new JobEvent("j", 1, 10, "started", "{\"type\":\"started\"}")));
        store.commit(List.of(), List.of(new JobEvent("j", 1, 10, "started", "{\"logged\":1}")));
        store.commit(List.of(), List.of(new JobEvent("j", 3, 12, "finished", "{}")));

        assertThat(store.events("j", 0, 10))
                .extracting(JobEvent::seq, JobEvent::type, JobEvent::json)
                .containsExactly(
                        tuple(1L, "started", "{\"logged\":1}"),
                        tuple(2L, "partition", "{\"partition\":0}"),
                        tuple(3L, "finished", "{}"));
        assertThat(store.events("j", 1, 1)).extracting(JobEvent::seq).containsExactly(2L);
        assertThat(store.events("other", 0, 10)).isEmpty();
        assertThat(store.lastEventSeq("j")).isEqualTo(3);
        assertThat(store.outputs("j", 0, 0, 1)).hasSize(1);
    }

    @Test
    void code_isStoredOnceByHash() {
        store.putCode(new StoredCode("abc", "js", "export function compute(i) { return i; }", 1));
        store.putCode(new StoredCode("abc", "js", "something else", 2));
        StoredCode code = store.code("abc").orElseThrow();
        assertThat(code.source()).isEqualTo("export function compute(i) { return i; }");
        assertThat(code.createdAt()).isEqualTo(1);
        assertThat(store.code("nope")).isEmpty();
    }

    @Test
    void reopen_keepsCommittedState() throws Exception {
        store.insertJob(StoredJob.submitted("j", "j", "f", "{}", 3, 1));
        store.commit(List.of(new Completion("j", 0, 1, 1, bytes("5"), -1, -1, false)));
        store.close();
        store = reopen();
        assertThat(store.job("j")).isPresent();
        assertThat(store.storedNodes("j", new TreeShape(3, 2))[0].toString()).isEqualTo("{1}");
    }

    @Test
    void functions_areStoredAndReplacedByName() {
        store.putFunction(new StoredFunction("examples/fib", "java", "class:1", true, 300_000, 5));
        store.putFunction(new StoredFunction("a/js", "js", "abc", false, 1000, 6));
        store.putFunction(new StoredFunction("examples/fib", "java", "class:2", true, 300_000, 7));
        assertThat(store.functions())
                .extracting(StoredFunction::name, StoredFunction::version, StoredFunction::pure)
                .containsExactly(tuple("a/js", "abc", false), tuple("examples/fib", "class:2", true));
    }

    @Test
    void datasetsAndDataJobs_areUpsertedAndListedNewestFirst() throws Exception {
        store.putDataset(new StoredDoc("d1", "csv", "ready", 10, "{\"a\":1}"));
        store.putDataset(new StoredDoc("d2", "text", "ready", 20, "{}"));
        store.putDataJob(new StoredDoc("j1", "query", "running", 30, "{\"phase\":\"map\"}"));
        store.putDataJob(new StoredDoc("j2", "mapreduce", "running", 40, "{}"));
        store.putDataJob(new StoredDoc("j1", "query", "done", 30, "{\"phase\":\"done\"}"));
        store.close();
        store = reopen();
        assertThat(store.datasets()).extracting(StoredDoc::id).containsExactly("d2", "d1");
        assertThat(store.dataset("d1")).get().extracting(StoredDoc::doc).isEqualTo("{\"a\":1}");
        assertThat(store.dataset("absent")).isEmpty();
        assertThat(store.dataJob("j1"))
                .get()
                .extracting(StoredDoc::status, StoredDoc::doc)
                .containsExactly("done", "{\"phase\":\"done\"}");
        assertThat(store.dataJobs(java.util.Optional.of("running")))
                .extracting(StoredDoc::id)
                .containsExactly("j2");
        assertThat(store.dataJobs(java.util.Optional.empty()))
                .extracting(StoredDoc::id)
                .containsExactly("j2", "j1");
    }

    @Test
    void callCache_putsDeletesAndTouches_andClearsPerFunction() throws Exception {
        store.updateCache(
                List.of(
                        new CacheEntry("k1", "f", "v1", bytes("1"), 10),
                        new CacheEntry("k2", "f", "v1", bytes("2"), 20),
                        new CacheEntry("k3", "g", "v1", bytes("3"), 30)),
                List.of(),
                java.util.Map.of());
        store.updateCache(
                List.of(new CacheEntry("k2", "f", "v1", bytes("22"), 40)),
                List.of("k3", "absent"),
                java.util.Map.of("k1", 50L, "absent", 60L));
        store.close();
        store = reopen();
        List<CacheEntry> entries = store.cacheEntries();
        assertThat(entries)
                .extracting(CacheEntry::key)
                .as("least recently used first")
                .containsExactly("k2", "k1");
        assertThat(text(entries.get(0).result())).isEqualTo("22");
        assertThat(entries.get(1).lastUsed()).isEqualTo(50);
        assertThat(store.clearCache("f")).isEqualTo(2);
        assertThat(store.cacheEntries()).isEmpty();
    }

    @Test
    void fingerprints_findTheNewestEarlierJobWithOutputs_andCopyThem() {
        store.insertJob(StoredJob.submitted("old", "a", "f", "{}", 4, 1));
        store.insertJob(StoredJob.submitted("empty", "a", "f", "{}", 4, 2));
        store.insertJob(StoredJob.submitted("new", "a", "f", "{}", 4, 3));
        store.fingerprint("old", "fp");
        store.fingerprint("empty", "fp");
        store.fingerprint("new", "fp");
        store.commit(List.of(
                new Completion("old", 0, 0, 1, bytes("10"), -1, -1, false),
                new Completion("old", 0, 2, 1, bytes("12"), -1, -1, false)));
        assertThat(store.jobWithFingerprint("fp", "new")).contains("old");
        assertThat(store.jobWithFingerprint("other", "new")).isEmpty();
        assertThat(store.copyResults("old", "new")).isEqualTo(2);
        assertThat(store.outputs("new", 0, 0, 4))
                .extracting(StoreContract::text)
                .containsExactly("10", "12");
        store.forgetFingerprints("f");
        assertThat(store.jobWithFingerprint("fp", "new")).isEmpty();
    }

    @Test
    void tokens_areFoundByHash_revokedOnce_andKeptAcrossReopen() throws Exception {
        store.putToken(new StoredToken("tok-1", "h1", "alice", "viewer", "a", 10, Optional.of(99L), Optional.empty()));
        store.putToken(new StoredToken("tok-1", "other", "x", "admin", "x", 11, Optional.empty(), Optional.empty()));
        store.putToken(new StoredToken("tok-2", "h2", "bob", "worker", "b", 12, Optional.empty(), Optional.empty()));
        assertThat(store.tokenByHash("h1")).get().extracting(StoredToken::user).isEqualTo("alice");
        assertThat(store.tokenByHash("h1").get().expiresAt()).contains(99L);
        assertThat(store.tokenByHash("other")).as("an existing id is kept").isEmpty();
        assertThat(store.revokeToken("tok-1", 50)).isTrue();
        assertThat(store.revokeToken("tok-1", 60)).as("once").isFalse();
        assertThat(store.revokeToken("nope", 60)).isFalse();
        store = reopen();
        assertThat(store.tokens()).extracting(StoredToken::id).containsExactly("tok-1", "tok-2");
        assertThat(store.tokenByHash("h1").get().revokedAt()).contains(50L);
    }

    @Test
    void owners_scopeJobs_andTheFirstOwnerStays() {
        store.insertJob(StoredJob.submitted("j1", "a", "f", "{}", 4, 1));
        store.insertJob(StoredJob.submitted("j2", "a", "f", "{}", 4, 2));
        store.insertJob(StoredJob.submitted("j3", "a", "f", "{}", 4, 3));
        store.putOwner("job", "j1", new Owner("a", "alice"));
        store.putOwner("job", "j2", new Owner("b", "bob"));
        store.putOwner("job", "j3", new Owner("a", "alice"));
        store.putOwner("job", "j3", new Owner("b", "bob"));
        store.putOwner("dataset", "j1", new Owner("b", "bob"));
        assertThat(store.owner("job", "j3")).contains(new Owner("a", "alice"));
        assertThat(store.owner("job", "none")).isEmpty();
        assertThat(store.jobsOf("a", 0, 10)).extracting(StoredJob::id).containsExactly("j3", "j1");
        assertThat(store.jobCountOf("a")).isEqualTo(2);
        assertThat(store.liveJobCountOf("a")).isEqualTo(2);
        store.finish("j1", JobStatus.CANCELLED, Optional.of("cancelled"), 5);
        assertThat(store.liveJobCountOf("a")).isEqualTo(1);
        assertThat(store.owned("dataset", "b")).containsExactly("j1");
    }

    @Test
    void storedBytes_countATenantsJobsAndDataJobPhases_outputsAndEvents_only() {
        for (String id : List.of("j1", "j2", "d1-map", "d1-reduce")) {
            store.insertJob(StoredJob.submitted(id, "a", "f", "{}", 2, 1));
        }
        store.putOwner("job", "j1", new Owner("a", "alice"));
        store.putOwner("job", "j2", new Owner("b", "bob"));
        store.putOwner("data_job", "d1", new Owner("a", "alice"));
        store.commit(
                List.of(
                        new Completion("j1", 0, 0, 1, bytes("12345"), -1, -1, false),
                        new Completion("j2", 0, 0, 1, bytes("1234567890"), -1, -1, false),
                        new Completion("d1-map", 0, 0, 1, bytes("123"), -1, -1, false),
                        new Completion("d1-reduce", 0, 0, 1, bytes("1234"), -1, -1, false)),
                List.of(new JobEvent("j1", 1, 1, "submitted", "{\"x\":1}")));
        assertThat(store.storedBytesOf("a")).isEqualTo(5 + 3 + 4 + 7);
        assertThat(store.storedBytesOf("b")).isEqualTo(10);
        assertThat(store.storedBytesOf("nobody")).isZero();
    }

    @Test
    void auditLog_isNewestFirst() {
        store.audit(new AuditEntry("e1", 1, "admin", "token.create", "tok-1", "ok", "/127.0.0.1"));
        store.audit(new AuditEntry("e2", 2, "anonymous", "auth.refused", "GET /api/jobs", "bad token", "/10.0.0.1"));
        assertThat(store.auditLog(10)).extracting(AuditEntry::id).containsExactly("e2", "e1");
        assertThat(store.auditLog(1)).extracting(AuditEntry::action).containsExactly("auth.refused");
    }
}
