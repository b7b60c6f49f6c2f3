package io.partita.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.store.Completion;
import io.partita.store.JobStatus;
import io.partita.store.Store;
import io.partita.store.StoreException;
import io.partita.store.StoreException.Kind;
import io.partita.store.StoredJob;
import io.partita.testing.ChaosStore.Op;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosStoreTest {
    @TempDir
    Path dir;

    ChaosStore store;

    @BeforeEach
    void open() {
        store = new ChaosStore(Store.open("jdbc:sqlite:" + dir.resolve("partita.db")));
        store.insertJob(StoredJob.submitted("j", "n", "f", "{}", 4, 1));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static Completion output(long index) {
        return new Completion("j", 0, index, 1, new byte[] {(byte) index}, -1, -1, false);
    }

    @Test
    void failNext_failsThatManyCallsWithoutRunningThem_thenPassesThrough() {
        store.failNext(Op.COMMIT, 2);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> store.commit(List.of(output(0))))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
                        assertThat(e.sqlState()).contains("08006");
                        assertThat(e.getMessage()).startsWith("chaos:");
                    });
            assertThat(store.delegate().outputs("j", 0, 0, 4)).isEmpty();
        }
        store.commit(List.of(output(0)));

        assertThat(store.outputs("j", 0, 0, 4)).hasSize(1);
        assertThat(store.calls(Op.COMMIT)).isEqualTo(3);
        assertThat(store.injected(Op.COMMIT)).isEqualTo(2);
        assertThat(store.pending(Op.COMMIT)).isZero();
    }

    @Test
    void failNext_onlyAffectsItsOperation() {
        store.failNext(Op.INPUTS, 1).failNext(Op.OUTPUTS, 1);

        assertThat(store.job("j")).isPresent();
        assertThatThrownBy(() -> store.inputs("j")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.outputs("j", 0, 0, 4)).isInstanceOf(StoreException.class);
        assertThat(store.inputs("j")).isEmpty();
    }

    @Test
    void commitThenFail_makesTheWriteDurableAndReportsAnAmbiguousOutcome() {
        store.commitThenFail(Op.COMMIT, 1)
                .commitThenFail(Op.FINISH, 1)
                .commitThenFail(Op.PREPARED, 1)
                .commitThenFail(Op.INSERT_JOB, 1)
                .commitThenFail(Op.PUT_DATA_JOB, 1)
                .commitThenFail(Op.UPDATE_CACHE, 1);

        assertAmbiguous(() -> store.commit(List.of(output(1))));
        assertAmbiguous(() -> store.finish("j", JobStatus.FAILED, Optional.of("x"), 5));
        assertAmbiguous(() -> store.insertJob(StoredJob.submitted("k", "n", "f", "{}", -1, 2)));
        assertAmbiguous(() -> store.prepared("k", 2, List.of(new byte[] {1}, new byte[] {2})));
        assertAmbiguous(() -> store.putDataJob(new io.partita.store.StoredDoc("d", "k", "s", 1, "{}")));
        assertAmbiguous(() -> store.updateCache(
                List.of(new io.partita.store.CacheEntry("c", "f", "v", new byte[] {1}, 1)),
                List.of(),
                java.util.Map.of()));

        assertThat(store.outputs("j", 0, 0, 4)).hasSize(1);
        assertThat(store.job("j").orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(store.inputs("k")).hasSize(2);
        assertThat(store.dataJob("d")).isPresent();
        assertThat(store.cacheEntries()).hasSize(1);
    }

    private static void assertAmbiguous(Runnable call) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.isAmbiguous()).isTrue());
    }

    @Test
    void faults_areConsumedInTheOrderTheyWerePlanned() {
        store.failNext(Op.FINISH, 1).commitThenFail(Op.FINISH, 1);

        assertThatThrownBy(() -> store.finish("j", JobStatus.FAILED, Optional.empty(), 5))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.isTransient()).isTrue());
        assertThat(store.job("j").orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThatThrownBy(() -> store.finish("j", JobStatus.FAILED, Optional.empty(), 5))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.isAmbiguous()).isTrue());
        assertThat(store.job("j").orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void down_failsEveryOperationUntilUp() {
        store.down();

        assertThat(store.isDown()).isTrue();
        assertThatThrownBy(() -> store.job("j")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.commit(List.of(output(2)))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.cacheEntries()).isInstanceOf(StoreException.class);

        store.up();

        assertThat(store.outputs("j", 0, 0, 4)).isEmpty();
        store.commit(List.of(output(2)));
        assertThat(store.outputs("j", 0, 0, 4)).hasSize(1);
    }

    @Test
    void failNext_concurrentCallers_failExactlyThePlannedNumber() throws Exception {
        store.failNext(Op.JOB, 100);
        AtomicInteger failed = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            store.job("j");
                        } catch (StoreException e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        assertThat(failed).hasValue(100);
        assertThat(store.calls(Op.JOB)).isEqualTo(200);
    }

    @Test
    void failNext_negative_isRejected() {
        assertThatThrownBy(() -> store.failNext(Op.COMMIT, -1)).hasMessage("n must not be negative, was -1");
    }
}
