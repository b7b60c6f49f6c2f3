package io.partita.coordinator.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonToleranceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static boolean agree(String a, String b, double tolerance) throws Exception {
        JsonNode x = MAPPER.readTree(a);
        JsonNode y = MAPPER.readTree(b);
        return JsonTolerance.agree(x, y, tolerance) && JsonTolerance.agree(y, x, tolerance);
    }

    @Test
    void numbersAgreeWithinTheRelativeTolerance_andNotBeyondIt() throws Exception {
        assertThat(agree("{\"e\": 3.14159265358979}", "{\"e\": 3.14159265358980}", 1e-9))
                .isTrue();
        assertThat(agree("{\"e\": 3.1415}", "{\"e\": 3.1416}", 1e-9)).isFalse();
        assertThat(agree("[1e300]", "[1.0000000001e300]", 1e-9)).isTrue();
        assertThat(agree("0", "1e-12", 1e-9))
                .as("near zero the tolerance is absolute")
                .isTrue();
        assertThat(agree("1", "1.0", 0)).isTrue();
    }

    @Test
    void structureMustMatchExactly() throws Exception {
        assertThat(agree("{\"a\": 1, \"b\": [1, 2]}", "{\"b\": [1, 2], \"a\": 1}", 0))
                .isTrue();
        assertThat(agree("{\"a\": 1}", "{\"a\": 1, \"b\": 2}", 1e-3)).isFalse();
        assertThat(agree("{\"a\": 1}", "{\"b\": 1}", 1e-3)).isFalse();
        assertThat(agree("[1, 2]", "[1, 2, 3]", 1e-3)).isFalse();
        assertThat(agree("\"x\"", "\"y\"", 1e-3)).isFalse();
        assertThat(agree("1", "\"1\"", 1e-3)).isFalse();
        assertThat(agree("null", "0", 1e-3)).isFalse();
        assertThat(agree("true", "true", 0)).isTrue();
    }
}
