package io.partita.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs as files under a root directory ({@code <data dir>/blobs}). A blob is written to a file in
 * {@code .tmp} and moved into place atomically on commit, so a crash mid-write leaves only a
 * temporary file, removed at the next start.
 */
public final class FileBlobStore implements BlobStore {
    private static final int BUFFER = 1 << 16;

    private final Path root;
    private final Path tmp;

    /** Opens (creating if needed) the store at {@code root} and clears unfinished writes. */
    public FileBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve(".tmp");
        Files.createDirectories(tmp);
        try (Stream<Path> leftovers = Files.list(tmp)) {
            for (Path p : leftovers.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    private Path path(String key) {
        return root.resolve(BlobStore.checkKey(key));
    }

    @Override
    public Writer create(String key) throws IOException {
        Path target = path(key);
        Path temp = tmp.resolve(UUID.randomUUID().toString());
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW), BUFFER);
        return new Writer() {
            private boolean done;

            @Override
            public OutputStream stream() {
                return out;
            }

            @Override
            public long commit() throws IOException {
                if (done) {
                    throw new IllegalStateException("blob " + key + " already finished");
                }
                done = true;
                try {
                    out.close();
                    Files.createDirectories(target.getParent());
                    long size = Files.size(temp);
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    return size;
                } catch (IOException e) {
                    Files.deleteIfExists(temp);
                    throw e;
                }
            }

            @Override
            public void abort() {
                if (done) {
                    return;
                }
                done = true;
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the file is deleted next
                }
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() {
                abort();
            }
        };
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        FileChannel channel = FileChannel.open(path(key), StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (offset < 0 || offset > size) {
                throw new IOException("offset " + offset + " outside blob " + key + " of " + size + " bytes");
            }
            long end = length < 0 ? size : Math.min(size, offset + length);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return new InputStream() {
                private long left = end - offset;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = in.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = in.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Optional<Long> size(String key) {
        try {
            return Optional.of(Files.size(path(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long deletePrefix(String prefix) throws IOException {
        Path dir = path(prefix);
        if (!Files.exists(dir)) {
            return 0;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        long files = 0;
        for (Path p : paths) {
            try {
                if (!Files.isDirectory(p)) {
                    files++;
                }
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                // a writer committed into it meanwhile; left for the next clean-up
            }
        }
        return files;
    }
}
