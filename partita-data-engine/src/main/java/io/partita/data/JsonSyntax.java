package io.partita.data;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Finds the first syntax error in a line that the JSON parser rejected, so that the Java and the
 * JavaScript engine, whose parsers word their errors differently, report a bad JSON-lines record
 * with the same message: {@code unexpected "}" at column 9} or {@code unexpected end of input}.
 * The grammar is RFC 8259's; the engine's JavaScript twin of this class is {@code jsonError}.
 *
 * <p>Runs only on lines that failed to parse, so it favours clarity over speed. Thread-safe.
 */
final class JsonSyntax {
    private JsonSyntax() {}

    /** Nesting deeper than this is a bad record, in Java (Jackson's limit) and in JavaScript alike. */
    static final int MAX_DEPTH = 500;

    /** A description of the first syntax error in {@code s}, or {@code "unsupported JSON"} if none is found. */
    static String error(String s) {
        try {
            new JsonSyntax.Scan(s).document();
            return "unsupported JSON";
        } catch (Failure f) {
            return f.getMessage();
        }
    }

    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Scan {
        private final String s;
        private final int n;
        private int i;

        Scan(String s) {
            this.s = s;
            this.n = s.length();
        }

        private Failure unexpected() {
            if (i >= n) {
                return new Failure("unexpected end of input");
            }
            return new Failure("unexpected " + JsJson.string(String.valueOf(s.charAt(i))) + " at column " + (i + 1));
        }

        private void ws() {
            while (i < n) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private void expect(char c) throws Failure {
            if (i >= n || s.charAt(i) != c) {
                throw unexpected();
            }
            i++;
        }

        void document() throws Failure {
            Deque<Character> stack = new ArrayDeque<>();
            ws();
            value:
            while (true) {
                // a value starts at i
                if (i >= n) {
                    throw unexpected();
                }
                char c = s.charAt(i);
                if (c == '{' || c == '[') {
                    if (stack.size() >= MAX_DEPTH) {
                        throw new Failure("nested deeper than " + MAX_DEPTH + " levels at column " + (i + 1));
                    }
                    i++;
                    ws();
                    char close = c == '{' ? '}' : ']';
                    if (i < n && s.charAt(i) == close) {
                        i++;
                    } else {
                        stack.push(c);
                        if (c == '{') {
                            member();
                        }
                        continue;
                    }
                } else if (c == '"') {
                    string();
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                    number();
                } else if (c == 't') {
                    literal("true");
                } else if (c == 'f') {
                    literal("false");
                } else if (c == 'n') {
                    literal("null");
                } else {
                    throw unexpected();
                }
                // after a value
                while (true) {
                    ws();
                    if (stack.isEmpty()) {
                        if (i < n) {
                            throw unexpected();
                        }
                        return;
                    }
                    char top = stack.peek();
                    if (i < n && s.charAt(i) == ',') {
                        i++;
                        ws();
                        if (top == '{') {
                            member();
                        }
                        continue value;
                    }
                    if (i < n && s.charAt(i) == (top == '{' ? '}' : ']')) {
                        i++;
                        stack.pop();
                        continue;
                    }
                    throw unexpected();
                }
            }
        }

        /** A member's name and colon, leaving i at the start of its value. */
        private void member() throws Failure {
            if (i >= n || s.charAt(i) != '"') {
                throw unexpected();
            }
            string();
            ws();
            expect(':');
            ws();
        }

        private void string() throws Failure {
            i++;
            while (true) {
                if (i >= n) {
                    throw unexpected();
                }
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    return;
                }
                if (c < 0x20) {
                    throw unexpected();
                }
                if (c == '\\') {
                    i++;
                    if (i >= n) {
                        throw unexpected();
                    }
                    char e = s.charAt(i);
                    if (e == 'u') {
                        i++;
                        for (int k = 0; k < 4; k++) {
                            if (i >= n || !hex(s.charAt(i))) {
                                throw unexpected();
                            }
                            i++;
                        }
                        continue;
                    }
                    if ("\"\\/bfnrt".indexOf(e) < 0) {
                        throw unexpected();
                    }
                }
                i++;
            }
        }

        private static boolean hex(char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }

        private void digits() throws Failure {
            if (i >= n || s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw unexpected();
            }
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
        }

        private void number() throws Failure {
            if (s.charAt(i) == '-') {
                i++;
            }
            if (i < n && s.charAt(i) == '0') {
                i++;
            } else {
                digits();
            }
            if (i < n && s.charAt(i) == '.') {
                i++;
                digits();
            }
            if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                    i++;
                }
                digits();
            }
        }

        private void literal(String word) throws Failure {
            for (int k = 0; k < word.length(); k++) {
                if (i >= n || s.charAt(i) != word.charAt(k)) {
                    throw unexpected();
                }
                i++;
            }
        }
    }
}
