package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String read(InputStream in) throws Exception {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void putThenReadRanges() throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir);
        assertThat(blobs.put("a/b/c.txt", new ByteArrayInputStream(bytes("hello world"))))
                .isEqualTo(11);
        assertThat(read(blobs.open("a/b/c.txt", 0, -1))).isEqualTo("hello world");
        assertThat(read(blobs.open("a/b/c.txt", 6, 3))).isEqualTo("wor");
        assertThat(read(blobs.open("a/b/c.txt", 6, 100))).isEqualTo("world");
        assertThat(blobs.size("a/b/c.txt")).contains(11L);
        assertThat(blobs.size("a/b/none")).isEmpty();
        assertThatThrownBy(() -> blobs.open("a/b/none", 0, -1)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void unfinishedWritesAreInvisible_andAbortedOnesLeaveNothing() throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir);
        blobs.put("k", new ByteArrayInputStream(bytes("old")));
        try (BlobStore.Writer w = blobs.create("k")) {
            w.stream().write(bytes("new but partial"));
            w.stream().flush();
            assertThat(read(blobs.open("k", 0, -1))).isEqualTo("old");
        }
        assertThat(read(blobs.open("k", 0, -1))).isEqualTo("old");
        try (var tmp = Files.list(dir.resolve(".tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void leftoversOfACrashAreClearedAtOpen_andPrefixesDeleted() throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir);
        BlobStore.Writer w = blobs.create("x");
        w.stream().write(1);
        w.stream().flush();
        FileBlobStore reopened = new FileBlobStore(dir);
        try (var tmp = Files.list(dir.resolve(".tmp"))) {
            assertThat(tmp).isEmpty();
        }
        reopened.put("job/1/a", new ByteArrayInputStream(bytes("1")));
        reopened.put("job/1/b/c", new ByteArrayInputStream(bytes("2")));
        reopened.put("job/2/a", new ByteArrayInputStream(bytes("3")));
        assertThat(reopened.deletePrefix("job/1")).isEqualTo(2);
        assertThat(reopened.size("job/1/a")).isEmpty();
        assertThat(reopened.size("job/2/a")).contains(1L);
    }

    @Test
    void badKeysAreRefused() {
        for (String key : new String[] {"", "../x", "a//b", "a/./b", "a b", "/abs"}) {
            assertThatThrownBy(() -> BlobStore.checkKey(key)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(BlobStore.checkKey("datasets/ds-1/data")).isEqualTo("datasets/ds-1/data");
    }
}
