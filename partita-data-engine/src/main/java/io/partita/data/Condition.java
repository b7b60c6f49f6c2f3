package io.partita.data;

import java.util.List;

/**
 * One {@code where} condition, compiled: a column, an operator and a literal (a {@code String}, a
 * {@code Double} or a {@code Boolean}; a list of them for {@code in}; none for the null tests).
 *
 * <p>With a number literal, the comparisons compare the value as a number and are false when it is
 * not one ({@code !=} too). With a string literal they compare the value's string form by UTF-16
 * code units and are false when it has none. With a boolean literal ({@code =} and {@code !=} only)
 * they compare the value as a boolean and are false when it is not one. {@code contains} and
 * {@code startsWith} test the string form. {@code in} is true when {@code =} holds for some element.
 * {@code is null} holds for a missing key, JSON null and an empty CSV field.
 */
record Condition(String column, Op op, Object literal) {

    /** The operators, by their name in a query. */
    enum Op {
        EQ("="),
        NE("!="),
        LT("<"),
        LE("<="),
        GT(">"),
        GE(">="),
        CONTAINS("contains"),
        STARTS_WITH("startsWith"),
        IN("in"),
        IS_NULL("is null"),
        IS_NOT_NULL("is not null");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        static Op of(String symbol) {
            for (Op op : values()) {
                if (op.symbol.equals(symbol)) {
                    return op;
                }
            }
            return null;
        }
    }

    boolean test(Object v) {
        switch (op) {
            case IS_NULL:
                return v == null;
            case IS_NOT_NULL:
                return v != null;
            case IN:
                for (Object e : (List<?>) literal) {
                    if (equal(e, v)) {
                        return true;
                    }
                }
                return false;
            case EQ:
                return equal(literal, v);
            case CONTAINS: {
                String s = Values.string(v);
                return s != null && s.contains((String) literal);
            }
            case STARTS_WITH: {
                String s = Values.string(v);
                return s != null && s.startsWith((String) literal);
            }
            default:
                break;
        }
        int c;
        if (literal instanceof Double d) {
            double x = Values.number(v);
            if (Double.isNaN(x)) {
                return false;
            }
            c = x < d ? -1 : x > d ? 1 : 0;
        } else if (literal instanceof String lit) {
            String s = Values.string(v);
            if (s == null) {
                return false;
            }
            c = s.compareTo(lit);
        } else {
            Boolean b = Values.bool(v);
            if (b == null) {
                return false;
            }
            c = b.equals(literal) ? 0 : 1;
        }
        return switch (op) {
            case NE -> c != 0;
            case LT -> c < 0;
            case LE -> c <= 0;
            case GT -> c > 0;
            case GE -> c >= 0;
            default -> throw new IllegalStateException(op.symbol);
        };
    }

    private static boolean equal(Object literal, Object v) {
        if (literal instanceof Double d) {
            return Values.number(v) == d; // NaN never equals
        }
        if (literal instanceof String s) {
            return s.equals(Values.string(v));
        }
        return literal.equals(Values.bool(v));
    }
}
