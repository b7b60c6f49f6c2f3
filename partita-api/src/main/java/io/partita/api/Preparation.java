package io.partita.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link JobFunction#prepare} step yields: either a partition count (inputs then come from
 * {@link JobFunction#input}) or an explicit list of inputs, one partition each.
 *
 * @param count the number of partitions; equals {@code inputs.size()} when inputs are given
 * @param inputs the inputs, if the step materialised them
 */
public record Preparation(long count, Optional<List<?>> inputs) {

    /** Validates the count and the inputs. */
    public Preparation {
        Objects.requireNonNull(inputs, "inputs");
        if (count < 1) {
            throw new IllegalArgumentException("partition count must be at least 1, was " + count);
        }
        inputs.ifPresent(list -> {
            if (list.size() != count) {
                throw new IllegalArgumentException(
                        "count " + count + " differs from the number of inputs " + list.size());
            }
        });
    }

    /** A preparation of {@code count} lazily generated partitions. */
    public static Preparation count(long count) {
        return new Preparation(count, Optional.empty());
    }

    /** A preparation with one partition per element of {@code inputs}. */
    public static Preparation inputs(List<?> inputs) {
        return new Preparation(inputs.size(), Optional.of(List.copyOf(inputs)));
    }
}
