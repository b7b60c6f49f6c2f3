package io.partita.coordinator.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Sizes;
import io.partita.data.Format;
import io.partita.store.FileBlobStore;
import io.partita.store.Store;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    Store store;
    FileBlobStore blobs;
    Datasets datasets;

    @BeforeEach
    void open() throws Exception {
        store = Store.open("jdbc:sqlite:" + dir.resolve("p.db"));
        blobs = new FileBlobStore(dir.resolve("blobs"));
        datasets = new Datasets(
                store, blobs, CoordinatorConfig.builder().auth(false).build(), new ObjectMapper(), () -> 1000L);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static String text(int lines, long seed, boolean trailingNewline) {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            int length = random.nextInt(10) == 0 ? 0 : random.nextInt(300);
            for (int c = 0; c < length; c++) {
                sb.append(random.nextInt(30) == 0 ? 'é' : (char) ('a' + random.nextInt(26)));
            }
            if (i < lines - 1 || trailingNewline) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** Splits cover the file from {@code start}, whole lines each, with the right first line numbers. */
    private static void checkSplits(byte[] bytes, long start, List<Datasets.Split> splits, long chunk) {
        long at = start;
        for (int i = 0; i < splits.size(); i++) {
            Datasets.Split s = splits.get(i);
            assertThat(s.offset()).isEqualTo(at);
            long end = s.offset() + s.length();
            boolean last = i == splits.size() - 1;
            if (!last) {
                assertThat(bytes[(int) end - 1]).isEqualTo((byte) '\n');
                assertThat(s.length()).isGreaterThanOrEqualTo(chunk);
                // cut at the first line end at or after the chunk size
                for (long p = s.offset() + chunk - 1; p < end - 1; p++) {
                    assertThat(bytes[(int) p]).isNotEqualTo((byte) '\n');
                }
            }
            long newlines = 0;
            for (int p = 0; p < s.offset(); p++) {
                if (bytes[p] == '\n') {
                    newlines++;
                }
            }
            assertThat(s.firstLine()).isEqualTo(newlines + 1);
            at = end;
        }
        assertThat(at).isEqualTo(bytes.length);
    }

    @Test
    void textIsCutIntoWholeLines_withFirstLineNumbers() throws Exception {
        for (boolean trailing : new boolean[] {true, false}) {
            byte[] bytes = text(2_000, 1, trailing).getBytes(StandardCharsets.UTF_8);
            Datasets.Dataset d = datasets.upload("t", Format.TEXT, 4096, new ByteArrayInputStream(bytes));
            assertThat(d.lines()).isEqualTo(2_000);
            assertThat(d.bytes()).isEqualTo(bytes.length);
            assertThat(d.splits().size()).isGreaterThan(50);
            checkSplits(bytes, 0, d.splits(), 4096);
            try (InputStream in = blobs.open(d.blobKey(), 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(bytes);
            }
        }
    }

    @Test
    void csvHeaderIsNotInAnySplit_andNamesTheColumns() throws Exception {
        String csv = "name,\"city, country\",n\r\n" + "a,\"Lisbon, PT\",1\n".repeat(500);
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        Datasets.Dataset d = datasets.upload("c", Format.CSV, 4096, new ByteArrayInputStream(bytes));
        assertThat(d.columns()).containsExactly("name", "city, country", "n");
        int header = csv.indexOf('\n') + 1;
        assertThat(d.splits().get(0).offset()).isEqualTo(header);
        assertThat(d.splits().get(0).firstLine()).isEqualTo(2);
        checkSplits(bytes, header, d.splits(), 4096);
        assertThat(d.lines()).isEqualTo(501);
        // stored, and read back the same after a restart
        Datasets again = new Datasets(
                store, blobs, CoordinatorConfig.builder().auth(false).build(), new ObjectMapper(), () -> 1L);
        assertThat(again.get(d.id())).contains(d);
    }

    @Test
    void jsonLinesColumnsAreSampledFromTheFirstRecords() {
        String jsonl = "{\"a\":1,\"b\":2}\n\nnot json\n{\"c\":[1],\"a\":3}\n[1,2]\n";
        Datasets.Dataset d = datasets.upload(
                "j", Format.JSONL, 4096, new ByteArrayInputStream(jsonl.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.columns()).containsExactly("a", "b", "c");
        assertThat(d.lines()).isEqualTo(5);
    }

    @Test
    void emptyAndHeaderOnlyFiles() {
        Datasets.Dataset empty = datasets.upload("e", Format.TEXT, 4096, new ByteArrayInputStream(new byte[0]));
        assertThat(empty.splits()).isEmpty();
        assertThat(empty.lines()).isZero();
        Datasets.Dataset header = datasets.upload(
                "h", Format.CSV, 4096, new ByteArrayInputStream("x,y".getBytes(StandardCharsets.UTF_8)));
        assertThat(header.columns()).containsExactly("x", "y");
        assertThat(header.splits()).isEmpty();
    }

    @Test
    void aBadHeaderLeavesNoTrace() throws Exception {
        assertThatThrownBy(() -> datasets.upload(
                        "bad",
                        Format.CSV,
                        4096,
                        new ByteArrayInputStream("a,,b\n1,2,3\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("column 2");
        assertThat(store.datasets()).isEmpty();
        assertThat(datasets.list()).isEmpty();
        try (var files = java.nio.file.Files.walk(dir.resolve("blobs"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void sizesParse() {
        assertThat(Sizes.parse("8MiB", "x")).isEqualTo(8L << 20);
        assertThat(Sizes.parse("512k", "x")).isEqualTo(512L << 10);
        assertThat(Sizes.parse("4096", "x")).isEqualTo(4096);
        assertThatThrownBy(() -> Sizes.parse("8 parsecs", "chunkSize")).hasMessageContaining("chunkSize");
    }
}
