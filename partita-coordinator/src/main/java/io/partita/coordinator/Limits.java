package io.partita.coordinator;

/**
 * The coordinator's bounds added by the second round of issue 18 (docs/limits.md), kept together so
 * that {@link CoordinatorConfig} grows by one field. Each is set through the {@link
 * CoordinatorConfig.Builder} method of the same name, and each is a {@code ./partita server} option
 * and a {@code --config} key. Immutable; validated once.
 *
 * @param maxCombineInputBytes largest total size of the inputs of one combine (or merge) task, in
 *     bytes; a job whose combine task would exceed it fails naming {@code max-combine-input};
 *     default {@value #DEFAULT_MAX_COMBINE_INPUT_BYTES}
 */
public record Limits(long maxCombineInputBytes) {

    /** Default limit on a combine task's inputs: 256 MiB. */
    public static final long DEFAULT_MAX_COMBINE_INPUT_BYTES = 256L << 20;

    /** Validates every field. */
    public Limits {
        require(
                maxCombineInputBytes >= 1024,
                "max-combine-input must be at least 1024 bytes, was " + maxCombineInputBytes);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder of {@link Limits}; not thread-safe. Its setters are reached through {@link CoordinatorConfig.Builder}. */
    public static final class Builder {
        private long maxCombineInputBytes = DEFAULT_MAX_COMBINE_INPUT_BYTES;

        private Builder() {}

        /** Sets {@link Limits#maxCombineInputBytes()}. */
        public Builder maxCombineInputBytes(long value) {
            this.maxCombineInputBytes = value;
            return this;
        }

        /** Validates and builds the limits. */
        public Limits build() {
            return new Limits(maxCombineInputBytes);
        }
    }
}
