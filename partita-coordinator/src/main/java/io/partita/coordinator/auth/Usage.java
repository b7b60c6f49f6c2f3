package io.partita.coordinator.auth;

import io.partita.coordinator.common.Principal;
import io.partita.store.Store;
import java.util.function.ToLongFunction;

/**
 * What a tenant keeps, checked against its {@code stored-bytes} quota ({@link Quotas}) before it may
 * create a job, a data job or a dataset: its jobs' task outputs, results and events in the store,
 * and its datasets' bytes. Counted when asked (one query), so only when the quota is set.
 * Thread-safe.
 */
public final class Usage {
    private final Store store;
    private final Ownership ownership;
    private final Quotas quotas;
    private final ToLongFunction<String> datasetBytes;

    /**
     * @param datasetBytes the bytes of a dataset by id (0 if it is gone)
     */
    public Usage(Store store, Ownership ownership, Quotas quotas, ToLongFunction<String> datasetBytes) {
        this.store = store;
        this.ownership = ownership;
        this.quotas = quotas;
        this.datasetBytes = datasetBytes;
    }

    /** The bytes {@code tenant} keeps: its jobs' in the store and its datasets'. */
    public long storedBytes(String tenant) {
        long bytes = store.storedBytesOf(tenant);
        for (String id : ownership.ownedBy(Ownership.Kind.DATASET, tenant)) {
            bytes += datasetBytes.applyAsLong(id);
        }
        return bytes;
    }

    /**
     * Checks that {@code principal}'s tenant may store {@code adding} more bytes (0 if not known).
     *
     * @throws io.partita.coordinator.common.PartitaException 429 {@code quota_exceeded} naming the
     *     quota, its limit and the use
     */
    public void checkStored(Principal principal, long adding) {
        if (quotas.maxStoredBytes() == 0 || principal.isAdmin()) {
            return;
        }
        quotas.checkStored(principal, storedBytes(principal.tenant()), adding);
    }
}
