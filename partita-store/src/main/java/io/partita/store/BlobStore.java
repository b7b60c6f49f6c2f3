package io.partita.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Immutable byte objects by key: dataset files, map outputs, reduce outputs. A blob becomes visible
 * only once it is completely written ({@link Writer#commit()}), so a reader never sees part of
 * one; writing a key again replaces the whole blob. Keys are {@code /}-separated segments of
 * letters, digits, {@code .}, {@code _} and {@code -} (no empty segment, no {@code ..}).
 *
 * <p>{@link FileBlobStore} keeps blobs as files under the data directory; an object store can
 * implement this interface without changing its callers.
 */
public interface BlobStore {

    /** A blob being written: bytes go to {@link #stream()}, then {@link #commit()} or {@link #abort()}. */
    interface Writer extends AutoCloseable {
        /** Where the bytes go. */
        OutputStream stream();

        /** Makes the blob visible under its key, replacing any earlier one; returns its size. */
        long commit() throws IOException;

        /** Drops what was written; the key is unchanged. */
        void abort();

        /** Aborts unless committed. */
        @Override
        void close();
    }

    /** Starts writing a blob. */
    Writer create(String key) throws IOException;

    /** Writes a whole blob from a stream and returns its size. */
    default long put(String key, InputStream in) throws IOException {
        try (Writer w = create(key)) {
            in.transferTo(w.stream());
            return w.commit();
        }
    }

    /**
     * Reads {@code length} bytes from {@code offset} (to the end if {@code length} is negative).
     *
     * @throws java.nio.file.NoSuchFileException if there is no such blob
     */
    InputStream open(String key, long offset, long length) throws IOException;

    /** The size of a blob, if it exists. */
    Optional<Long> size(String key);

    /** Deletes every blob whose key starts with {@code prefix} (a whole segment); returns how many. */
    long deletePrefix(String prefix) throws IOException;

    /**
     * Checks a key.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 512) {
            throw new IllegalArgumentException("blob key must have 1 to 512 characters");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("bad blob key segment in '" + key + "'");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '.'
                        || c == '_'
                        || c == '-';
                if (!ok) {
                    throw new IllegalArgumentException("bad character in blob key '" + key + "'");
                }
            }
        }
        return key;
    }
}
