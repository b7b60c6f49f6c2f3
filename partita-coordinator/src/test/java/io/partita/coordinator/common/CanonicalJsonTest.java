package io.partita.coordinator.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static String canonical(String json) throws Exception {
        return CanonicalJson.of(MAPPER.readTree(json));
    }

    @Test
    void equalValuesWrittenDifferently_haveOneForm() throws Exception {
        assertThat(canonical("{ \"b\": [1, 2.0, 3e0], \"a\": {\"y\": null, \"x\": true} }"))
                .isEqualTo("{\"a\":{\"x\":true,\"y\":null},\"b\":[1,2,3]}");
        assertThat(canonical("[0.50, -0.0, 1E2, 12345678901234567890]")).isEqualTo("[0.5,0,100,12345678901234567890]");
        assertThat(canonical("[\"tab\\there\", \"\\u00e9\"]")).isEqualTo("[\"tab\\there\",\"é\"]");
    }

    @Test
    void differentValues_differ() throws Exception {
        assertThat(canonical("[1]")).isNotEqualTo(canonical("[\"1\"]"));
        assertThat(canonical("[1.5]")).isNotEqualTo(canonical("[1.50001]"));
        assertThat(canonical("[[1,2]]")).isNotEqualTo(canonical("[[2,1]]"));
    }

    @Test
    void keys_dependOnEveryPart() {
        String a = CanonicalJson.sha256("call", "f", "v1", "[1]");
        assertThat(a).hasSize(64);
        assertThat(CanonicalJson.sha256("call", "f", "v1", "[1]")).isEqualTo(a);
        assertThat(CanonicalJson.sha256("call", "f", "v2", "[1]")).isNotEqualTo(a);
        assertThat(CanonicalJson.sha256("call", "fv", "1", "[1]")).isNotEqualTo(a);
    }
}
