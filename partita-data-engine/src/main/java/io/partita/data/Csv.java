package io.partita.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses one line of comma-separated values (RFC 4180, restricted to one line): fields are
 * separated by {@code ,}; a field that starts with {@code "} is quoted, runs to the next lone
 * {@code "}, may contain commas, and writes a quote as {@code ""}; a quoted field must be followed by
 * {@code ,} or the end of the line. A quote inside an unquoted field is an ordinary character.
 * Nothing is trimmed; an empty line is one empty field. The JavaScript engine parses identically.
 *
 * <p>Thread-safe: stateless.
 */
public final class Csv {
    private Csv() {}

    /**
     * The fields of one line, without its line ending.
     *
     * @throws DataException for an unterminated quoted field or a quoted field followed by something
     *     other than a comma; the message has no line number
     */
    public static List<String> parseLine(String line) {
        List<String> fields = new ArrayList<>();
        parse(line, fields);
        return fields;
    }

    /**
     * The column names of a CSV header line: {@link #parseLine} after dropping a leading byte order
     * mark and a trailing {@code \r}.
     *
     * @throws DataException for malformed quoting or a column name that appears twice
     */
    public static List<String> parseHeader(String line) {
        String s = line;
        if (s.startsWith("\uFEFF")) {
            s = s.substring(1);
        }
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        List<String> columns = parseLine(s);
        Set<String> seen = new HashSet<>();
        for (String c : columns) {
            if (!seen.add(c)) {
                throw new DataException("duplicate column name " + JsJson.string(c) + " in the header");
            }
        }
        return columns;
    }

    /** Appends the fields of {@code line} to {@code out} and returns how many there were. */
    static int parse(String line, List<String> out) {
        int n = line.length();
        int count = 0;
        int i = 0;
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                int start = i + 1;
                StringBuilder sb = null;
                int j = start;
                while (true) {
                    int q = line.indexOf('"', j);
                    if (q < 0) {
                        throw new DataException("unterminated quoted field starting at column " + (i + 1));
                    }
                    if (q + 1 < n && line.charAt(q + 1) == '"') {
                        if (sb == null) {
                            sb = new StringBuilder();
                        }
                        sb.append(line, j, q + 1);
                        j = q + 2;
                        continue;
                    }
                    String value;
                    if (sb == null) {
                        value = line.substring(start, q);
                    } else {
                        value = sb.append(line, j, q).toString();
                    }
                    out.add(value);
                    count++;
                    i = q + 1;
                    break;
                }
                if (i == n) {
                    return count;
                }
                if (line.charAt(i) != ',') {
                    throw new DataException("expected \",\" after the closing quote at column " + (i + 1));
                }
                i++;
            } else {
                int c = line.indexOf(',', i);
                if (c < 0) {
                    out.add(line.substring(i));
                    return count + 1;
                }
                out.add(line.substring(i, c));
                count++;
                i = c + 1;
            }
        }
    }
}
