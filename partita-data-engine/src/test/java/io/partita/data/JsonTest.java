package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {

    private static String fast(Object v) {
        ByteSink sink = new ByteSink(16);
        Json.writeJackson(sink, v);
        return new String(sink.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void writeJackson_equalsJackson_onRandomStringsAndNumbers() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(10);
            for (int k = 0; k < n; k++) {
                sb.append((char) (random.nextBoolean() ? random.nextInt(0, 0x80) : random.nextInt(0, 0xD800)));
            }
            if (random.nextInt(10) == 0) {
                sb.append("😀");
            }
            String s = sb.toString();
            assertThat(fast(s)).isEqualTo(Json.MAPPER.writeValueAsString(s));
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(d)) {
                assertThat(fast(d)).isEqualTo(Json.MAPPER.writeValueAsString(d));
            }
            long l = random.nextLong();
            assertThat(fast(l)).isEqualTo(Json.MAPPER.writeValueAsString(l));
            assertThat(fast((int) l)).isEqualTo(Json.MAPPER.writeValueAsString((int) l));
        }
        for (Object v : new Object[] {
            null,
            true,
            false,
            1.0f,
            Double.NaN,
            Double.POSITIVE_INFINITY,
            new BigDecimal("1.50"),
            Map.of("a", List.of(1, "x"))
        }) {
            assertThat(fast(v)).isEqualTo(Json.MAPPER.writeValueAsString(v));
        }
    }

    @Test
    void jacksonText_escapesLoneSurrogates() {
        assertThat(Json.jacksonText("a\ud800")).isEqualTo("\"a\\uD800\"");
        assertThat(fast("a\ud800")).isEqualTo("\"a\\uD800\"");
        assertThat(Json.jacksonText(List.of("\udc00"))).isEqualTo("[\"\\uDC00\"]");
    }

    @Test
    void canonicalKey_equalExactlyWhenTextsAreEqual() {
        Object[] keys = {
            "a",
            'a',
            1,
            1L,
            (short) 1,
            BigInteger.ONE,
            1.0,
            1.0f,
            0.1f,
            0.1,
            -0.0,
            0.0,
            true,
            "true",
            null,
            List.of(1),
            List.of(1L),
            Map.of("k", 1),
            new BigDecimal("1.50"),
            new BigInteger("123456789012345678901234567890"),
            Double.NaN,
            "NaN"
        };
        for (Object a : keys) {
            for (Object b : keys) {
                boolean sameText = Json.jacksonText(a).equals(Json.jacksonText(b));
                boolean sameKey = Json.canonicalKey(a).equals(Json.canonicalKey(b));
                assertThat(sameKey).as("%s vs %s", a, b).isEqualTo(sameText);
                assertThat(Json.keyText(Json.canonicalKey(a))).isEqualTo(Json.jacksonText(a));
            }
        }
    }

    @Test
    void parse_equalsJackson() throws Exception {
        for (String s : new String[] {
            "\"abc\"",
            "\"a\\\"b\"",
            "\"é😀\"",
            "0",
            "-0",
            "7",
            "-12",
            "2147483647",
            "2147483648",
            "-2147483649",
            "999999999999999999",
            "9223372036854775808",
            "1.5",
            "1e3",
            "true",
            "false",
            "null",
            "[1,2]",
            "{\"a\":1}"
        }) {
            byte[] b = ("x" + s + "y").getBytes(StandardCharsets.UTF_8);
            Object expected = Json.MAPPER.readValue(s, Object.class);
            Object actual = Json.parse(b, 1, b.length - 1);
            assertThat(actual).as(s).isEqualTo(expected);
            if (expected != null) {
                assertThat(actual.getClass()).as(s).isEqualTo(expected.getClass());
            }
        }
        assertThatThrownBy(() -> Json.parse("01".getBytes(StandardCharsets.UTF_8), 0, 2))
                .isInstanceOf(DataException.class);
    }

    @Test
    void valueEnd_findsTheEndOfCompactValues() {
        String line = "{\"a\":[1,\"]}\\\"\"],\"b\":{}},\"x\",12,true]";
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        int e = Json.valueEnd(b, 0, b.length);
        assertThat(line.substring(0, e)).isEqualTo("{\"a\":[1,\"]}\\\"\"],\"b\":{}}");
        int e2 = Json.valueEnd(b, e + 1, b.length);
        assertThat(line.substring(e + 1, e2)).isEqualTo("\"x\"");
        int e3 = Json.valueEnd(b, e2 + 1, b.length);
        assertThat(line.substring(e2 + 1, e3)).isEqualTo("12");
        assertThatThrownBy(() -> Json.valueEnd(b, 0, 5)).isInstanceOf(DataException.class);
    }

    @Test
    void compareUtf16_ordersLikeStringCompareTo() {
        SplittableRandom random = new SplittableRandom(5);
        int[] pool = {'a', 'b', 0x7f, 0xe9, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(4);
            for (int k = 0; k < n; k++) {
                sb.appendCodePoint(pool[random.nextInt(pool.length)]);
            }
            strings.add(sb.toString());
        }
        for (String x : strings) {
            for (String y : strings) {
                byte[] a = x.getBytes(StandardCharsets.UTF_8);
                byte[] b = y.getBytes(StandardCharsets.UTF_8);
                assertThat(Integer.signum(Json.compareUtf16(a, 0, a.length, b, 0, b.length)))
                        .as("%s vs %s", x, y)
                        .isEqualTo(Integer.signum(x.compareTo(y)));
            }
        }
    }
}
