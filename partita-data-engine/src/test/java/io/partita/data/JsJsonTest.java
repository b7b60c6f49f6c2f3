package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsJsonTest {
    private static JsEngine js;

    @BeforeAll
    static void start() {
        js = new JsEngine();
    }

    @AfterAll
    static void stop() {
        js.close();
    }

    @Test
    void number_writesJavaScriptForms() {
        assertThat(JsJson.number(1.0)).isEqualTo("1");
        assertThat(JsJson.number(-0.0)).isEqualTo("0");
        assertThat(JsJson.number(1.5)).isEqualTo("1.5");
        assertThat(JsJson.number(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(JsJson.number(1e21)).isEqualTo("1e+21");
        assertThat(JsJson.number(1e20)).isEqualTo("100000000000000000000");
        assertThat(JsJson.number(123456789012345680000.0)).isEqualTo("123456789012345680000");
        assertThat(JsJson.number(1e-6)).isEqualTo("0.000001");
        assertThat(JsJson.number(1e-7)).isEqualTo("1e-7");
        assertThat(JsJson.number(1.5e-7)).isEqualTo("1.5e-7");
        assertThat(JsJson.number(-2.5e300)).isEqualTo("-2.5e+300");
        assertThat(JsJson.number(Double.MIN_VALUE)).isEqualTo("5e-324");
        assertThat(JsJson.number(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(JsJson.number(9007199254740993.0)).isEqualTo("9007199254740992");
        assertThat(JsJson.number(Double.NaN)).isEqualTo("NaN");
        assertThat(JsJson.number(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
        assertThat(JsJson.write(Double.POSITIVE_INFINITY)).isEqualTo("null");
    }

    @Test
    void number_matchesGraalJs_onRandomDoubles() {
        SplittableRandom random = new SplittableRandom(7);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(d)) {
                values.add(d);
            }
            values.add(random.nextInt(1_000_000) / Math.pow(10, random.nextInt(12)));
            values.add(Math.scalb(1.0, random.nextInt(-1074, 1024)));
            values.add(random.nextInt(1, 10) * Math.pow(10, random.nextInt(-325, 309)));
            values.add(Double.longBitsToDouble(random.nextLong(1, 1L << 20))); // subnormals
        }
        List<String> inputs = values.stream()
                .map(d -> Long.toString(Double.doubleToRawLongBits(d)))
                .toList();
        List<String> expected = js.apply(
                "(b) => { const v = new DataView(new ArrayBuffer(8)); v.setBigInt64(0, BigInt(b)); return String(v.getFloat64(0)); }",
                inputs);
        for (int i = 0; i < values.size(); i++) {
            assertThat(JsJson.number(values.get(i))).as("%s", values.get(i)).isEqualTo(expected.get(i));
        }
    }

    @Test
    void string_escapesLikeJsonStringify() {
        assertThat(JsJson.string("a\"b\\c\n\t\u0001\u001f\u007f\u2028é😀"))
                .isEqualTo("\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\u007f\u2028é😀\"");
        assertThat(JsJson.string("\ud800x\udc00")).isEqualTo("\"\\ud800x\\udc00\"");
    }

    @Test
    void string_matchesGraalJs_onRandomStrings() {
        SplittableRandom random = new SplittableRandom(11);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(12);
            for (int k = 0; k < n; k++) {
                int kind = random.nextInt(5);
                sb.append((char)
                        switch (kind) {
                            case 0 -> random.nextInt(0, 0x80);
                            case 1 -> random.nextInt(0xD800, 0xE000);
                            case 2 -> random.nextInt(0, 0x10000);
                            default -> random.nextInt(0x20, 0x7f);
                        });
            }
            inputs.add(sb.toString());
        }
        // Lone surrogates do not survive the trip through JSON text into JS, so pass UTF-16 units.
        List<String> units = inputs.stream()
                .map(s -> s.chars()
                        .mapToObj(Integer::toString)
                        .reduce((a, b) -> a + "," + b)
                        .orElse(""))
                .toList();
        List<String> expected = js.apply(
                "(u) => JSON.stringify(u === '' ? '' : String.fromCharCode(...u.split(',').map(Number)))", units);
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(JsJson.string(inputs.get(i))).isEqualTo(expected.get(i));
        }
    }

    @Test
    void write_ordersArrayIndexKeysFirst_likeJavaScriptObjects() throws Exception {
        String text =
                "{\"b\":1,\"2\":2,\"a\":{\"10\":1,\"9\":2,\"x\":3},\"1\":3,\"01\":4,\"4294967295\":5,\"4294967294\":6,\"-1\":7}";
        JsonNode node = new ObjectMapper().readTree(text);
        String expected = js.eval("JSON.stringify(JSON.parse(" + JsJson.string(text) + "))");
        assertThat(JsJson.write(node)).isEqualTo(expected);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("z", 1);
        map.put("3", List.of(1.5, "x", true));
        assertThat(JsJson.write(map)).isEqualTo("{\"3\":[1.5,\"x\",true],\"z\":1}");
    }

    @Test
    void write_numberNodesAsJavaScriptNumbers() throws Exception {
        String text = "[1,1.0,-0,-0.0,1e21,1E400,123456789012345678901234567890,0.1,9007199254740993]";
        JsonNode node = new ObjectMapper().readTree(text);
        String expected = js.eval("JSON.stringify(JSON.parse(" + JsJson.string(text) + "))");
        assertThat(JsJson.write(node)).isEqualTo(expected);
    }

    @Test
    void write_unsupportedType_throws() {
        assertThatThrownBy(() -> JsJson.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    }
}
