package io.partita.store;

import java.util.Objects;

/**
 * A dataset or a data job as the store keeps it: a few columns to find it by and its whole
 * description as JSON text.
 *
 * @param id unique id
 * @param kind what it is: a dataset's format, a data job's kind ({@code mapreduce}, {@code query})
 * @param status where it is in its life (datasets: {@code ready})
 * @param createdAt creation time, epoch milliseconds
 * @param doc the description, JSON text
 */
public record StoredDoc(String id, String kind, String status, long createdAt, String doc) {

    /** Checks that no field is null. */
    public StoredDoc {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(doc, "doc");
    }
}
