package io.partita.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Generated datasets and their line-aligned splits, as the coordinator would cut them. */
final class TestData {
    private TestData() {}

    /** One split of a file. */
    record Split(int offset, int length, long firstLine) {}

    /** A dataset file: its bytes, the offset where records start (after a CSV header) and its columns. */
    record Dataset(Format format, byte[] bytes, int start, long startLine, List<String> columns) {
        SplitInfo info(boolean skip) {
            return new SplitInfo(format, columns, startLine, skip);
        }

        List<Split> splits(int target) {
            return TestData.splits(bytes, start, startLine, target);
        }

        String text(Split s) {
            return new String(bytes, s.offset(), s.length(), StandardCharsets.UTF_8);
        }
    }

    /** Cuts {@code b[start..]} into splits of about {@code target} bytes that end after a newline. */
    static List<Split> splits(byte[] b, int start, long startLine, int target) {
        List<Split> out = new ArrayList<>();
        int off = start;
        long line = startLine;
        while (off < b.length) {
            int end = Math.min(b.length, off + target);
            while (end < b.length && b[end - 1] != '\n') {
                end++;
            }
            out.add(new Split(off, end - off, line));
            for (int i = off; i < end; i++) {
                if (b[i] == '\n') {
                    line++;
                }
            }
            off = end;
        }
        return out;
    }

    static final String[] COUNTRIES = {"FR", "DE", "US", "JP", "", "fr", "Ünïcødé", "日本", "😀x"};
    static final String[] NAMES = {
        "ann",
        "bob",
        "Ann",
        "zoë",
        "a,b",
        "quote\"d",
        "",
        "  spaced ",
        "tab\there",
        "émile",
        "日本語",
        "😀",
        "\uFFFD",
        "x\u0001y",
        "\\back"
    };
    static final String[] AMOUNTS = {
        "1",
        "1.5",
        "0.1",
        "0.2",
        "-3",
        "1e3",
        "1E-7",
        "-0",
        ".5",
        "5.",
        "+2",
        "",
        "12345678901234567890",
        "0.30000000000000004",
        "1e21",
        "7"
    };

    /**
     * A CSV file with columns id, name, country, age, amount, flag, note: quoted and unquoted fields,
     * empty fields, numbers in many spellings, non-ASCII text, and CRLF line endings here and there.
     * With {@code badEvery > 0}, every such line is broken (wrong field count or a non-numeric amount).
     */
    static Dataset csv(long seed, int rows, int badEvery) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("id,name,country,age,amount,flag,note\n");
        for (int i = 1; i <= rows; i++) {
            if (badEvery > 0 && i % badEvery == 0) {
                sb.append(r.nextBoolean() ? i + ",x,FR\n" : i + ",x,FR,30,abc,true,\n");
                continue;
            }
            if (r.nextInt(40) == 0) {
                sb.append('\n');
            }
            String age = r.nextInt(10) == 0 ? "" : Integer.toString(r.nextInt(0, 90));
            String[] fields = {
                Integer.toString(i),
                NAMES[r.nextInt(NAMES.length)],
                COUNTRIES[r.nextInt(COUNTRIES.length)],
                age,
                AMOUNTS[r.nextInt(AMOUNTS.length)],
                r.nextBoolean() ? "true" : r.nextBoolean() ? "false" : "maybe",
                r.nextInt(5) == 0 ? "line \"one\", two" : ""
            };
            for (int f = 0; f < fields.length; f++) {
                if (f > 0) {
                    sb.append(',');
                }
                String v = fields[f];
                boolean quote = v.contains(",") || v.contains("\"") || r.nextInt(8) == 0;
                sb.append(quote ? '"' + v.replace("\"", "\"\"") + '"' : v);
            }
            sb.append(r.nextInt(10) == 0 ? "\r\n" : "\n");
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        int start = sb.indexOf("\n") + 1;
        return new Dataset(
                Format.CSV, bytes, start, 2, List.of("id", "name", "country", "age", "amount", "flag", "note"));
    }

    static final String[] JSON_NUMBERS = {
        "1",
        "1.5",
        "1e21",
        "0.1",
        "0.2",
        "1E-7",
        "-0",
        "-0.0",
        "123456789012345678901234567890",
        "9007199254740993",
        "2.5e-300",
        "1e400",
        "3",
        "100"
    };

    /**
     * A JSON-lines file of objects with keys id, name, country, score, tags, meta, ok: numbers written in
     * many ways, nested objects whose keys look like array indexes, missing keys, nulls, strings
     * that look like numbers; some lines are not objects, some are blank. With {@code badEvery > 0},
     * every such line is not valid JSON.
     */
    static Dataset jsonl(long seed, int rows, int badEvery) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= rows; i++) {
            if (badEvery > 0 && i % badEvery == 0) {
                sb.append(r.nextBoolean() ? "{\"id\":" + i + ",}\n" : "{\"id\":" + i + "} trailing\n");
                continue;
            }
            int kind = r.nextInt(50);
            if (kind == 0) {
                sb.append("  \n");
                continue;
            }
            if (kind == 1) {
                sb.append("[1,2,3]\n");
                continue;
            }
            if (kind == 2) {
                sb.append("42\n");
                continue;
            }
            sb.append("{\"id\":").append(i);
            if (r.nextInt(6) != 0) {
                sb.append(",\"name\":").append(JsJson.string(NAMES[r.nextInt(NAMES.length)]));
            }
            sb.append(",\"country\":");
            int c = r.nextInt(12);
            sb.append(c < COUNTRIES.length ? JsJson.string(COUNTRIES[c]) : c == 9 ? "null" : c == 10 ? "1" : "\"1\"");
            sb.append(",\"score\":");
            int s = r.nextInt(20);
            sb.append(
                    s < JSON_NUMBERS.length
                            ? JSON_NUMBERS[s]
                            : s == 14 ? "null" : s == 15 ? "\"2.5\"" : s == 16 ? "\"n/a\"" : "7");
            if (r.nextBoolean()) {
                sb.append(",\"tags\":[\"a\",").append(r.nextInt(3)).append(",null]");
            }
            if (r.nextInt(3) == 0) {
                sb.append(",\"meta\":{\"b\":1,\"2\":\"two\",\"1\":[1.0,2.50],\"x\":{\"10\":true,\"9\":false}}");
            }
            sb.append(",\"ok\":").append(r.nextBoolean());
            sb.append("}\n");
        }
        return new Dataset(
                Format.JSONL,
                sb.toString().getBytes(StandardCharsets.UTF_8),
                0,
                1,
                List.of("id", "name", "country", "score", "tags", "meta", "ok"));
    }

    static final String[] WORDS = {
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "The", "DOG", "café", "naïve", "a1", "x_y",
        "Ünïcødé", "日本", "emoji😀", "it's", "co-op", "2024", "hello", "world"
    };

    /** A text file of sentences; some lines are empty and some end in CRLF. */
    static Dataset text(long seed, int lines) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            int n = r.nextInt(0, 15);
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    sb.append(r.nextInt(6) == 0 ? ", " : " ");
                }
                sb.append(WORDS[(int) (Math.pow(r.nextDouble(), 2) * WORDS.length)]);
            }
            if (n > 0) {
                sb.append('.');
            }
            sb.append(r.nextInt(10) == 0 ? "\r\n" : "\n");
        }
        return new Dataset(Format.TEXT, sb.toString().getBytes(StandardCharsets.UTF_8), 0, 1, List.of("line"));
    }
}
