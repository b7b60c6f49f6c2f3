package io.partita.api;

/**
 * Base of the many functions whose input is the partition index and whose outputs are summed:
 * fixes the input and output types to {@code Long} and combines by addition ({@code null} counts as
 * zero). Subclasses implement {@link #compute} only.
 */
public abstract class LongSum implements JobFunction<Long, Long> {
    @Override
    public final Class<Long> inputType() {
        return Long.class;
    }

    @Override
    public final Class<Long> outputType() {
        return Long.class;
    }

    @Override
    public final Long combine(Long left, Long right) {
        return (left == null ? 0 : left) + (right == null ? 0 : right);
    }
}
