package io.partita.coordinator.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.common.FetchGuard;
import io.partita.coordinator.common.GuardedHttp;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Sizes;
import io.partita.coordinator.jobs.SpecRules;
import io.partita.data.Csv;
import io.partita.data.DataException;
import io.partita.data.Format;
import io.partita.store.BlobStore;
import io.partita.store.Store;
import io.partita.store.StoredDoc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Datasets: files uploaded or read from a URL, kept in the {@link BlobStore} and cut into
 * line-aligned splits as they stream in, in one pass and without holding the file in memory. A
 * dataset being received is visible (with its bytes so far) but only a complete one is stored;
 * a failed upload leaves nothing behind. Thread-safe.
 *
 * <pre>
 *   bytes ──> blob writer ──> datasets/&lt;id&gt;/data   (moved into place when complete)
 *     └────> scanner: newlines, header, splits [offset, length, firstLine] every ~chunk bytes
 * </pre>
 */
public final class Datasets {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Datasets.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BUFFER = 1 << 16;
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final int SAMPLED_RECORDS = 1000;
    private static final int MAX_SAMPLED_LINE = 1 << 16;
    private static final Duration IMPORT_TIME_LIMIT = Duration.ofMinutes(30);
    private static final Set<String> URL_FIELDS = Set.of("name", "url", "format", "chunkSize");

    /** One split: whole lines from {@code offset}; {@code firstLine} is 1-based in the file. */
    record Split(long offset, long length, long firstLine) {}

    /** A dataset as the rest of the coordinator sees it. */
    public record Dataset(
            String id,
            String name,
            Format format,
            String source,
            long bytes,
            long lines,
            List<String> columns,
            long chunkBytes,
            List<Split> splits,
            long createdAt) {

        String blobKey() {
            return blobKey(id);
        }

        static String blobKey(String id) {
            return "datasets/" + id + "/data";
        }
    }

    /** A dataset still streaming in. */
    private record Receiving(String id, String name, Format format, String source, AtomicLong bytes, long createdAt) {}

    private final Store store;
    private final BlobStore blobs;
    private final CoordinatorConfig config;
    private final ObjectMapper mapper;
    private final LongSupplier millis;
    private final Map<String, Receiving> receiving = new ConcurrentHashMap<>();
    private final Map<String, Dataset> cache = new ConcurrentHashMap<>();
    private final GuardedHttp http;

    /** The datasets kept in {@code store}, their chunks in {@code blobs}. */
    public Datasets(Store store, BlobStore blobs, CoordinatorConfig config, ObjectMapper mapper, LongSupplier millis) {
        this(store, blobs, config, mapper, millis, new FetchGuard(config.allowFetch()));
    }

    /** As above, with the guard (and so the resolver) that URL imports go through; for tests. */
    public Datasets(
            Store store,
            BlobStore blobs,
            CoordinatorConfig config,
            ObjectMapper mapper,
            LongSupplier millis,
            FetchGuard guard) {
        this.store = store;
        this.blobs = blobs;
        this.config = config;
        this.mapper = mapper;
        this.millis = millis;
        this.http = new GuardedHttp(guard, Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    // ---------------------------------------------------------------------------------- ingest

    /** The most bytes a dataset may have ({@code max-upload}). */
    public long maxUploadBytes() {
        return config.maxUploadBytes();
    }

    /**
     * Stores an uploaded file.
     *
     * @throws PartitaException (422) naming the field at fault: a bad header, an empty CSV
     */
    public Dataset upload(String name, Format format, long chunkBytes, InputStream body) {
        return ingest(name, format, chunkBytes, "upload", body);
    }

    /**
     * Registers a dataset by URL ({@code http}, {@code https}, or {@code file} under an import
     * directory): the coordinator reads it now and keeps its own copy.
     *
     * @throws PartitaException (422 naming {@code url}) if it cannot be read
     */
    public Dataset register(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw PartitaException.invalid("", "expected {\"url\": \"https://...\", \"format\": \"text|csv|jsonl\"}");
        }
        SpecRules.unknownFields(body, URL_FIELDS, "");
        JsonNode urlNode = body.get("url");
        if (urlNode == null || !urlNode.isTextual() || urlNode.textValue().isBlank()) {
            throw PartitaException.invalid("url", "url is required: an http, https or file URL");
        }
        String url = urlNode.textValue();
        Format format = format(text(body, "format").orElse(null));
        long chunk = chunkBytes(text(body, "chunkSize").orElse(null));
        String name = name(text(body, "name").orElseGet(() -> lastSegment(url)));
        try (InputStream in = open(url)) {
            return ingest(name, format, chunk, url, in);
        } catch (IOException e) {
            throw PartitaException.invalid("url", "cannot read url " + url + ": " + e.getMessage());
        }
    }

    private Optional<String> text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw PartitaException.invalid(field, field + " must be a string, was " + node);
        }
        return Optional.of(node.textValue());
    }

    /**
     * The format named by {@code text}.
     *
     * @throws PartitaException (422 naming {@code format}) if it is missing or unknown
     */
    public static Format format(String text) {
        if (text == null) {
            throw PartitaException.invalid("format", "format is required: text, csv or jsonl");
        }
        try {
            return Format.parse(text);
        } catch (io.partita.data.DataException e) {
            throw PartitaException.invalid("format", "format must be text, csv or jsonl, was '" + text + "'");
        }
    }

    /**
     * The chunk size asked for by {@code text}, or the configured default when it is null.
     *
     * @throws PartitaException (422 naming {@code chunkSize}) if it is not a size between 4KiB and 1GiB
     */
    public long chunkBytes(String text) {
        if (text == null) {
            return config.chunkBytes();
        }
        long value;
        try {
            value = Sizes.parse(text, "chunkSize");
        } catch (IllegalArgumentException e) {
            throw PartitaException.invalid("chunkSize", e.getMessage());
        }
        if (value < CoordinatorConfig.MIN_CHUNK_BYTES || value > CoordinatorConfig.MAX_CHUNK_BYTES) {
            throw PartitaException.invalid("chunkSize", "chunkSize must be between 4KiB and 1GiB, was " + text);
        }
        return value;
    }

    /**
     * A dataset's name, checked.
     *
     * @throws PartitaException (422 naming {@code name}) if it is blank or longer than 200 characters
     */
    public static String name(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw PartitaException.invalid("name", "name must have 1 to 200 characters");
        }
        return name;
    }

    private static String lastSegment(String url) {
        String path = url.replaceAll("[?#].*$", "");
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.isBlank() ? "dataset" : last;
    }

    private InputStream open(String url) throws IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw PartitaException.invalid("url", "url is not a valid URI: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                GuardedHttp.Response response = http.get(url, "url", IMPORT_TIME_LIMIT);
                if (response.contentLength() > config.maxUploadBytes()) {
                    response.close();
                    throw overLimit();
                }
                return response.body();
            }
            case "file" -> {
                return openFile(uri, url);
            }
            default -> throw PartitaException.invalid("url", "url must be an http, https or file URL, was " + url);
        }
    }

    /**
     * A file under an import directory. Every refusal has the same message whether the file exists,
     * is elsewhere, or is not readable, so that the API cannot be used to probe the file system.
     */
    private InputStream openFile(URI uri, String url) throws IOException {
        if (config.importDirs().isEmpty()) {
            throw PartitaException.invalid(
                    "url", "file import is off: file: URLs are refused unless the server is started with --import-dir");
        }
        PartitaException refused = PartitaException.invalid(
                "url", "cannot import " + url + ": not a readable file under the import directories (--import-dir)");
        Path path;
        try {
            path = Path.of(uri).toRealPath();
        } catch (IOException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw refused;
        }
        boolean allowed = false;
        for (Path dir : config.importDirs()) {
            try {
                if (path.startsWith(dir.toRealPath())) {
                    allowed = true;
                }
            } catch (IOException ignored) {
                // a configured directory that does not exist allows nothing
            }
        }
        if (!allowed || !Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw refused;
        }
        try {
            return Files.newInputStream(path);
        } catch (IOException e) {
            throw refused;
        }
    }

    private PartitaException overLimit() {
        return PartitaException.tooLarge(
                "a dataset may have at most " + config.maxUploadBytes() + " bytes (max-upload); this one is larger");
    }

    /** Streams bytes into a new blob, scanning lines and cutting splits on the way. */
    private Dataset ingest(String name, Format format, long chunkBytes, String source, InputStream in) {
        String id = "ds-" + Long.toHexString(millis.getAsLong()) + "-" + Integer.toHexString(RANDOM.nextInt());
        Receiving r = new Receiving(id, name, format, source, new AtomicLong(), millis.getAsLong());
        receiving.put(id, r);
        try (BlobStore.Writer writer = blobs.create(Dataset.blobKey(id))) {
            Scanner scan = new Scanner(format, chunkBytes);
            OutputStream out = writer.stream();
            byte[] buffer = new byte[BUFFER];
            long limit = config.maxUploadBytes();
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (r.bytes().get() + n > limit) {
                    throw overLimit();
                }
                out.write(buffer, 0, n);
                scan.accept(buffer, n);
                r.bytes().addAndGet(n);
            }
            scan.finish();
            List<String> columns = columns(format, scan);
            long size = writer.commit();
            Dataset dataset = new Dataset(
                    id, name, format, source, size, scan.lines, columns, chunkBytes, scan.splits, r.createdAt());
            store.putDataset(new StoredDoc(
                    id,
                    format.id(),
                    "ready",
                    dataset.createdAt(),
                    toDoc(dataset).toString()));
            cache.put(id, dataset);
            return dataset;
        } catch (IOException e) {
            deleteQuietly(id);
            throw PartitaException.invalid(
                    source.equals("upload") ? "body" : "url",
                    "cannot read " + (source.equals("upload") ? "the upload" : source) + ": " + e.getMessage());
        } catch (RuntimeException e) {
            deleteQuietly(id);
            throw e;
        } finally {
            receiving.remove(id);
        }
    }

    private void deleteQuietly(String id) {
        try {
            blobs.deletePrefix("datasets/" + id);
        } catch (IOException ignored) {
            // nothing was committed under it
        }
    }

    private List<String> columns(Format format, Scanner scan) {
        switch (format) {
            case TEXT -> {
                return List.of("line");
            }
            case CSV -> {
                if (scan.header == null) {
                    throw PartitaException.invalid("body", "a CSV dataset needs a header line naming its columns");
                }
                List<String> columns;
                try {
                    columns = Csv.parseHeader(new String(scan.header, StandardCharsets.UTF_8));
                } catch (DataException e) {
                    throw PartitaException.invalid("body", "bad CSV header: " + e.getMessage());
                }
                for (int i = 0; i < columns.size(); i++) {
                    if (columns.get(i).isEmpty()) {
                        throw PartitaException.invalid("body", "column " + (i + 1) + " of the CSV header has no name");
                    }
                }
                return List.copyOf(columns);
            }
            case JSONL -> {
                Set<String> keys = new LinkedHashSet<>();
                for (byte[] line : scan.sample) {
                    try {
                        JsonNode node = mapper.readTree(line);
                        if (node != null && node.isObject()) {
                            node.fieldNames().forEachRemaining(keys::add);
                        }
                    } catch (IOException ignored) {
                        // a bad line is reported by the job that reads it, with its line number
                    }
                }
                return List.copyOf(keys);
            }
            default -> throw new IllegalStateException("format " + format);
        }
    }

    /** Finds line ends and cuts splits at the first line end after every {@code chunk} bytes. */
    private static final class Scanner {
        final Format format;
        final long chunk;
        final List<Split> splits = new ArrayList<>();
        final List<byte[]> sample = new ArrayList<>();
        byte[] header;
        long position;
        long lines;
        private long splitStart;
        private long splitFirstLine = 1;
        private boolean inHeader;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private boolean currentTooLong;

        Scanner(Format format, long chunk) {
            this.format = format;
            this.chunk = chunk;
            this.inHeader = format == Format.CSV;
        }

        void accept(byte[] b, int n) throws IOException {
            boolean sampling = inHeader || (format == Format.JSONL && sample.size() < SAMPLED_RECORDS);
            int lineStart = 0;
            for (int i = 0; i < n; i++) {
                if (b[i] != '\n') {
                    continue;
                }
                long end = position + i + 1;
                lines++;
                if (sampling) {
                    keep(b, lineStart, i + 1 - lineStart);
                    lineStart = i + 1;
                    byte[] line = current.toByteArray();
                    boolean dropped = currentTooLong;
                    current.reset();
                    currentTooLong = false;
                    if (inHeader) {
                        header = java.util.Arrays.copyOf(line, line.length - 1);
                        inHeader = false;
                        splitStart = end;
                        splitFirstLine = 2;
                        sampling = false;
                        continue;
                    }
                    if (line.length > 1 && !dropped) {
                        sample.add(line);
                    }
                    sampling = sample.size() < SAMPLED_RECORDS;
                }
                if (end - splitStart >= chunk) {
                    splits.add(new Split(splitStart, end - splitStart, splitFirstLine));
                    splitStart = end;
                    splitFirstLine = lines + 1;
                }
            }
            if (sampling && lineStart < n) {
                keep(b, lineStart, n - lineStart);
            }
            endsWithNewline = b[n - 1] == '\n';
            position += n;
        }

        private void keep(byte[] b, int from, int length) throws IOException {
            if (currentTooLong) {
                return;
            }
            int limit = inHeader ? MAX_HEADER_BYTES : MAX_SAMPLED_LINE;
            if (current.size() + length > limit) {
                if (inHeader) {
                    throw PartitaException.invalid(
                            "body", "the CSV header line is longer than " + MAX_HEADER_BYTES + " bytes");
                }
                currentTooLong = true;
                current.reset();
                return;
            }
            current.write(b, from, length);
        }

        void finish() {
            if (inHeader && current.size() > 0) {
                header = current.toByteArray(); // a header without a newline and no rows
                inHeader = false;
                splitStart = position;
            }
            if (position > 0 && !endsWithNewline) {
                lines++;
                if (format == Format.JSONL && sample.size() < SAMPLED_RECORDS && current.size() > 0) {
                    sample.add(current.toByteArray());
                }
            }
            if (position > splitStart) {
                splits.add(new Split(splitStart, position - splitStart, splitFirstLine));
            }
        }

        private boolean endsWithNewline;
    }

    // ---------------------------------------------------------------------------------- read

    /** A ready dataset by id. */
    public Optional<Dataset> get(String id) {
        Dataset cached = cache.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Dataset> stored = store.dataset(id).map(this::fromDoc);
        stored.ifPresent(d -> cache.put(id, d));
        return stored;
    }

    /** The description of a dataset, ready or still being received. */
    public Optional<ObjectNode> describe(String id) {
        Receiving r = receiving.get(id);
        if (r != null) {
            return Optional.of(describe(r));
        }
        return get(id).map(this::describe);
    }

    /**
     * Deletes a dataset: its row, then its blob. A data job that runs over it keeps the caller
     * from doing so ({@code inUse} names it).
     *
     * @throws PartitaException 404 if there is no such dataset, 409 if it is still being received
     *     or a running data job reads it
     */
    public void delete(String id, java.util.function.Function<String, Optional<String>> inUse) {
        if (receiving.containsKey(id)) {
            throw PartitaException.conflict(
                    "dataset_receiving", "dataset '" + id + "' is still being received; delete it when it is ready");
        }
        if (get(id).isEmpty()) {
            throw PartitaException.notFound("no dataset with id '" + id + "'");
        }
        Optional<String> job = inUse.apply(id);
        if (job.isPresent()) {
            throw PartitaException.conflict(
                    "dataset_in_use",
                    "dataset '" + id + "' is read by running data job " + job.get() + "; cancel it first");
        }
        store.deleteDataset(id);
        cache.remove(id);
        try {
            blobs.deletePrefix("datasets/" + id);
        } catch (IOException e) {
            // the row is gone, so nothing can name the blob: the next start's clean-up may remove it
            log.warn("Deleted dataset {} but not its blob: {}", id, e.toString());
        }
    }

    /** Every dataset: those being received first, then the stored ones, newest first. */
    public ArrayNode list() {
        ArrayNode out = mapper.createArrayNode();
        receiving.values().stream()
                .sorted((a, b) -> Long.compare(b.createdAt(), a.createdAt()))
                .forEach(r -> out.add(describe(r)));
        for (StoredDoc doc : store.datasets()) {
            out.add(describe(get(doc.id()).orElseGet(() -> fromDoc(doc))));
        }
        return out;
    }

    private ObjectNode describe(Receiving r) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", r.id());
        node.put("name", r.name());
        node.put("format", r.format().id());
        node.put("status", "receiving");
        node.put("source", r.source());
        node.put("bytes", r.bytes().get());
        node.put("createdAt", r.createdAt());
        return node;
    }

    /** The JSON description of a dataset. */
    public ObjectNode describe(Dataset d) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", d.id());
        node.put("name", d.name());
        node.put("format", d.format().id());
        node.put("status", "ready");
        node.put("source", d.source());
        node.put("bytes", d.bytes());
        node.put("lines", d.lines());
        ArrayNode columns = node.putArray("columns");
        d.columns().forEach(columns::add);
        node.put("chunkSize", d.chunkBytes());
        node.put("splits", d.splits().size());
        node.put("createdAt", d.createdAt());
        ObjectNode links = node.putObject("links");
        links.put("self", "/api/datasets/" + d.id());
        return node;
    }

    private ObjectNode toDoc(Dataset d) {
        ObjectNode doc = describe(d);
        doc.remove("links");
        ArrayNode splits = doc.putArray("splitList");
        for (Split s : d.splits()) {
            splits.addArray().add(s.offset()).add(s.length()).add(s.firstLine());
        }
        return doc;
    }

    private Dataset fromDoc(StoredDoc stored) {
        try {
            JsonNode doc = mapper.readTree(stored.doc());
            List<String> columns = new ArrayList<>();
            doc.get("columns").forEach(c -> columns.add(c.textValue()));
            List<Split> splits = new ArrayList<>();
            doc.get("splitList")
                    .forEach(s -> splits.add(new Split(
                            s.get(0).longValue(), s.get(1).longValue(), s.get(2).longValue())));
            return new Dataset(
                    stored.id(),
                    doc.get("name").textValue(),
                    Format.parse(doc.get("format").textValue()),
                    doc.get("source").textValue(),
                    doc.get("bytes").longValue(),
                    doc.get("lines").longValue(),
                    List.copyOf(columns),
                    doc.get("chunkSize").longValue(),
                    List.copyOf(splits),
                    stored.createdAt());
        } catch (IOException e) {
            throw new IllegalStateException("stored dataset " + stored.id() + " is not valid JSON", e);
        }
    }
}
