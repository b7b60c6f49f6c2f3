package io.partita.data;

import java.util.Locale;

/** The record format of a dataset. */
public enum Format {
    /** One record per line: the line as a {@code String}, without {@code \n} and a trailing {@code \r}. */
    TEXT("text"),
    /**
     * Comma-separated values: the first line of the file names the columns; a record is a row as a
     * column-to-value map in header order. Blank lines are skipped.
     */
    CSV("csv"),
    /** JSON lines: a record is the parsed JSON value of one line. Blank lines are skipped. */
    JSONL("jsonl");

    private final String id;

    Format(String id) {
        this.id = id;
    }

    /** The format's name in JSON and the HTTP API: {@code text}, {@code csv} or {@code jsonl}. */
    public String id() {
        return id;
    }

    /**
     * The format named {@code id}, case-insensitively.
     *
     * @throws DataException naming the value when it is not {@code text}, {@code csv} or {@code jsonl}
     */
    public static Format parse(String id) {
        if (id != null) {
            String lower = id.toLowerCase(Locale.ROOT);
            for (Format f : values()) {
                if (f.id.equals(lower)) {
                    return f;
                }
            }
        }
        throw new DataException(
                "unknown format " + (id == null ? "null" : JsJson.string(id)) + "; expected text, csv or jsonl");
    }
}
