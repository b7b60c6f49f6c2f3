package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParamsTest {

    private static ObjectNode spec(String json) throws Exception {
        return (ObjectNode) CoordinatorClient.JSON.readTree(json);
    }

    @Test
    void parseValue_jsonScalarsAndStructures() {
        assertThat(Params.parseValue("5").isInt()).isTrue();
        assertThat(Params.parseValue("2.5").asDouble()).isEqualTo(2.5);
        assertThat(Params.parseValue("true").isBoolean()).isTrue();
        assertThat(Params.parseValue("null").isNull()).isTrue();
        assertThat(Params.parseValue("[1,2]").isArray()).isTrue();
        assertThat(Params.parseValue("{\"a\":1}").get("a").asInt()).isEqualTo(1);
        assertThat(Params.parseValue("\"5\"").isTextual()).isTrue();
        assertThat(Params.parseValue("\"5\"").asText()).isEqualTo("5");
    }

    @Test
    void parseValue_notJson_isString() {
        assertThat(Params.parseValue("hello").asText()).isEqualTo("hello");
        assertThat(Params.parseValue("12abc").isTextual()).isTrue();
        assertThat(Params.parseValue("12abc").asText()).isEqualTo("12abc");
        assertThat(Params.parseValue("1 2").asText()).isEqualTo("1 2");
        assertThat(Params.parseValue("").asText()).isEmpty();
        assertThat(Params.parseValue("{broken").asText()).isEqualTo("{broken");
    }

    @Test
    void apply_noParamsObject_createsIt() throws Exception {
        ObjectNode s = spec("{\"function\":\"examples/pi\"}");
        Params.apply(s, List.of("samples=1000", "name=x"));
        assertThat(s.get("params").get("samples").asInt()).isEqualTo(1000);
        assertThat(s.get("params").get("name").asText()).isEqualTo("x");
        assertThat(s.get("function").asText()).isEqualTo("examples/pi");
    }

    @Test
    void apply_existingParams_mergedAndOverridden() throws Exception {
        ObjectNode s = spec("{\"params\":{\"a\":1,\"b\":{\"c\":2,\"d\":3}}}");
        Params.apply(s, List.of("a=10", "b.c=20", "b.e.f=\"x\"", "a=11"));
        JsonNode p = s.get("params");
        assertThat(p.get("a").asInt()).isEqualTo(11);
        assertThat(p.get("b").get("c").asInt()).isEqualTo(20);
        assertThat(p.get("b").get("d").asInt()).isEqualTo(3);
        assertThat(p.get("b").get("e").get("f").asText()).isEqualTo("x");
    }

    @Test
    void apply_valueWithEquals_keepsRest() throws Exception {
        ObjectNode s = spec("{}");
        Params.apply(s, List.of("expr=a=b"));
        assertThat(s.get("params").get("expr").asText()).isEqualTo("a=b");
    }

    @Test
    void apply_missingEquals_isError() throws Exception {
        assertThatThrownBy(() -> Params.apply(spec("{}"), List.of("samples")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("key=value")
                .hasMessageContaining("samples");
        assertThatThrownBy(() -> Params.apply(spec("{}"), List.of("=5"))).isInstanceOf(CliException.class);
    }

    @Test
    void apply_emptySegment_isError() throws Exception {
        assertThatThrownBy(() -> Params.apply(spec("{}"), List.of("a..b=1")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("a..b");
    }

    @Test
    void apply_throughNonObject_isError() throws Exception {
        assertThatThrownBy(() -> Params.apply(spec("{\"params\":{\"a\":5}}"), List.of("a.b=1")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'a'")
                .hasMessageContaining("not an object");
        assertThatThrownBy(() -> Params.apply(spec("{\"params\":[1]}"), List.of("x=1")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("params");
    }
}
