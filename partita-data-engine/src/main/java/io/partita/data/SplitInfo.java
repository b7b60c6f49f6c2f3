package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a map task needs to know to read its split: the dataset's format and columns, the 1-based
 * line number in the file of the split's first line, and whether bad records are skipped
 * ({@code onBadRecord: "skip"}) or fail the task ({@code "fail"}, the default).
 *
 * <p>JSON form, as sent in job parameters: {@code {"format":"csv","columns":["a","b"],
 * "onBadRecord":"fail"}}; the line number travels separately, in each map task's input.
 *
 * @param format the record format
 * @param columns the column names: the CSV header, the JSON-lines keys, {@code ["line"]} for text
 * @param firstLine the 1-based line number of the split's first line, at least 1
 * @param skipBad whether bad records are counted and skipped rather than failing the task
 */
public record SplitInfo(Format format, List<String> columns, long firstLine, boolean skipBad) {

    /** The columns of a text dataset. */
    public static final List<String> TEXT_COLUMNS = List.of("line");

    /** Validates and copies. */
    public SplitInfo {
        if (format == null) {
            throw new DataException("format is required");
        }
        if (columns == null) {
            throw new DataException("columns are required");
        }
        columns = List.copyOf(columns);
        if (format == Format.CSV && columns.isEmpty()) {
            throw new DataException("a csv dataset needs at least one column");
        }
        if (firstLine < 1) {
            throw new DataException("firstLine must be at least 1, was " + firstLine);
        }
    }

    /** The same split info for a split that starts at line {@code line}. */
    public SplitInfo withFirstLine(long line) {
        return new SplitInfo(format, columns, line, skipBad);
    }

    /**
     * Reads split info from JSON: the split-info object itself, or any object that holds it under
     * {@code split} or {@code data.split} (a data job's params). {@code columns} defaults to {@code
     * ["line"]} for text and is required for csv; {@code onBadRecord} defaults to {@code fail}.
     *
     * @throws DataException naming the field that is missing or malformed
     */
    public static SplitInfo fromJson(JsonNode params, long firstLine) {
        JsonNode node = params;
        if (node != null && !node.has("format")) {
            if (node.path("split").isObject()) {
                node = node.get("split");
            } else if (node.path("data").path("split").isObject()) {
                node = node.get("data").get("split");
            }
        }
        if (node == null || !node.isObject()) {
            throw new DataException("split info must be a JSON object");
        }
        JsonNode formatNode = node.get("format");
        if (formatNode == null || !formatNode.isTextual()) {
            throw new DataException("split.format must be one of text, csv, jsonl");
        }
        Format format = Format.parse(formatNode.textValue());
        List<String> columns = new ArrayList<>();
        JsonNode cols = node.get("columns");
        if (cols == null || cols.isNull()) {
            if (format == Format.CSV) {
                throw new DataException("split.columns is required for csv");
            }
            if (format == Format.TEXT) {
                columns.addAll(TEXT_COLUMNS);
            }
        } else if (!cols.isArray()) {
            throw new DataException("split.columns must be an array of strings");
        } else {
            for (JsonNode c : cols) {
                if (!c.isTextual()) {
                    throw new DataException("split.columns must be an array of strings, found " + c);
                }
                columns.add(c.textValue());
            }
        }
        JsonNode bad = node.get("onBadRecord");
        boolean skip;
        if (bad == null || bad.isNull()) {
            skip = false;
        } else if (bad.isTextual()
                && (bad.textValue().equals("fail") || bad.textValue().equals("skip"))) {
            skip = bad.textValue().equals("skip");
        } else {
            throw new DataException("split.onBadRecord must be \"fail\" or \"skip\", was " + bad);
        }
        return new SplitInfo(format, columns, firstLine, skip);
    }

    /**
     * The JSON form, without the line number: {@code {"format", "columns", "onBadRecord"}}. Add
     * {@code firstLine} to it to get the {@code info} argument of the JavaScript engine.
     */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("format", format.id());
        ArrayNode cols = node.putArray("columns");
        columns.forEach(cols::add);
        node.put("onBadRecord", skipBad ? "skip" : "fail");
        return node;
    }
}
