package io.partita.data;

/**
 * The stable hash that routes a key to a reducer, identical in Java and in the JavaScript engine:
 * {@code h} is the Java {@link String#hashCode()} of the key's JSON text (31-multiplier hash over
 * UTF-16 code units, 32-bit wrap-around), mixed by MurmurHash3's {@code fmix32} so that keys which
 * differ only in their last characters spread over all reducers; the reducer is {@code h}, read as
 * an unsigned 32-bit integer, modulo the number of reducers.
 */
public final class KeyHash {
    private KeyHash() {}

    /** The mixed 32-bit hash of a key's JSON text. */
    public static int hash(String keyJson) {
        int h = keyJson.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * The reducer, from 0 to {@code reducers - 1}, that receives the key with JSON text {@code keyJson}.
     *
     * @throws IllegalArgumentException if {@code reducers < 1}
     */
    public static int reducer(String keyJson, int reducers) {
        if (reducers < 1) {
            throw new IllegalArgumentException("reducers must be at least 1, was " + reducers);
        }
        return Integer.remainderUnsigned(hash(keyJson), reducers);
    }
}
