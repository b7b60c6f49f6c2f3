package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordsTest {

    private record Seen(long line, Object record) {}

    private static List<Seen> read(String text, SplitInfo info, DataCounters counters) throws Exception {
        byte[] b = ("XX" + text + "YY").getBytes(StandardCharsets.UTF_8);
        List<Seen> out = new ArrayList<>();
        int len = text.getBytes(StandardCharsets.UTF_8).length;
        Records.forEach(b, 2, len, info, counters, (line, record) -> out.add(new Seen(line, record)));
        return out;
    }

    private static SplitInfo info(Format format, List<String> columns, long firstLine, boolean skip) {
        return new SplitInfo(format, columns, firstLine, skip);
    }

    @Test
    void text_everyLineIsARecord_numberedFromFirstLine() throws Exception {
        DataCounters c = new DataCounters();
        List<Seen> seen = read("a\r\n\nb c\nlast", info(Format.TEXT, List.of("line"), 7, false), c);
        assertThat(seen).containsExactly(new Seen(7, "a"), new Seen(8, ""), new Seen(9, "b c"), new Seen(10, "last"));
        assertThat(c.recordsIn()).isEqualTo(4);
    }

    @Test
    void text_trailingNewline_addsNoEmptyRecord() throws Exception {
        assertThat(read("a\nb\n", info(Format.TEXT, List.of("line"), 1, false), new DataCounters()))
                .hasSize(2);
        assertThat(read("", info(Format.TEXT, List.of("line"), 1, false), new DataCounters()))
                .isEmpty();
    }

    @Test
    void text_byteOrderMarkAtSplitStart_isDropped() throws Exception {
        assertThat(read("\uFEFFhello\n", info(Format.TEXT, List.of("line"), 1, false), new DataCounters()))
                .containsExactly(new Seen(1, "hello"));
    }

    @Test
    void csv_rowsAreMapsInHeaderOrder_blankLinesSkipped() throws Exception {
        List<Seen> seen =
                read("1,\"x,y\"\n\n2,\r\n", info(Format.CSV, List.of("id", "v"), 2, false), new DataCounters());
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).line()).isEqualTo(2);
        assertThat(seen.get(0).record().toString()).isEqualTo("{id=1, v=x,y}");
        assertThat(seen.get(1).line()).isEqualTo(4);
        assertThat(seen.get(1).record().toString()).isEqualTo("{id=2, v=}");
    }

    @Test
    void csv_wrongFieldCount_failsNamingLine() {
        assertThatThrownBy(() ->
                        read("1,2,3\n4,5\n", info(Format.CSV, List.of("a", "b", "c"), 10, false), new DataCounters()))
                .isInstanceOf(DataException.class)
                .hasMessage("line 11: expected 3 fields, found 2");
    }

    @Test
    void csv_badQuoting_failsNamingLine() {
        assertThatThrownBy(() -> read("\"1,2\n", info(Format.CSV, List.of("a", "b"), 3, false), new DataCounters()))
                .isInstanceOf(DataException.class)
                .hasMessage("line 3: unterminated quoted field starting at column 1");
    }

    @Test
    void csv_skip_countsBadRecordsAndKeepsTheFirstTen() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sb.append(i % 2 == 0 ? "ok,1\n" : "bad\n");
        }
        DataCounters c = new DataCounters();
        List<Seen> seen = read(sb.toString(), info(Format.CSV, List.of("a", "b"), 1, true), c);
        assertThat(seen).hasSize(15);
        assertThat(c.recordsIn()).isEqualTo(15);
        assertThat(c.badRecords()).isEqualTo(15);
        assertThat(c.skipped()).hasSize(10);
        assertThat(c.skipped().get(0)).isEqualTo(new DataCounters.Skipped(2, "expected 2 fields, found 1"));
        assertThat(c.toJson().get("skipped").get(1).toString())
                .isEqualTo("{\"line\":4,\"error\":\"expected 2 fields, found 1\"}");
    }

    @Test
    void jsonl_parsesValues_skipsBlankLines() throws Exception {
        List<Seen> seen = read(
                "{\"a\":1,\"b\":[1.5,\"x\",null]}\n  \t\n\"s\"\n12345678901\n",
                info(Format.JSONL, List.of("a", "b"), 5, false),
                new DataCounters());
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).record()).isEqualTo(Map.of("a", 1, "b", java.util.Arrays.asList(1.5, "x", null)));
        assertThat(seen.get(1)).isEqualTo(new Seen(7, "s"));
        assertThat(seen.get(2)).isEqualTo(new Seen(8, 12345678901L));
    }

    @Test
    void jsonl_invalidLine_failsWithPositionOfTheError() {
        assertThatThrownBy(() ->
                        read("{\"a\":1}\n{\"a\":1,}\n", info(Format.JSONL, List.of("a"), 1, false), new DataCounters()))
                .isInstanceOf(DataException.class)
                .hasMessage("line 2: not valid JSON: unexpected \"}\" at column 8");
        assertThatThrownBy(() -> read("{\"a\":1} x\n", info(Format.JSONL, List.of("a"), 1, false), new DataCounters()))
                .hasMessage("line 1: not valid JSON: unexpected \"x\" at column 9");
        assertThatThrownBy(() -> read("{\"a\":\n", info(Format.JSONL, List.of("a"), 1, false), new DataCounters()))
                .hasMessage("line 1: not valid JSON: unexpected end of input");
    }

    @Test
    void splitInfo_fromJson_readsDataParamsAndDefaults() throws Exception {
        var node = JsEngine.MAPPER.readTree(
                "{\"data\":{\"split\":{\"format\":\"csv\",\"columns\":[\"a\"],\"onBadRecord\":\"skip\"}}}");
        assertThat(SplitInfo.fromJson(node, 4)).isEqualTo(new SplitInfo(Format.CSV, List.of("a"), 4, true));
        assertThat(SplitInfo.fromJson(JsEngine.MAPPER.readTree("{\"format\":\"text\"}"), 1))
                .isEqualTo(new SplitInfo(Format.TEXT, List.of("line"), 1, false));
        assertThat(SplitInfo.fromJson(node, 4).toJson().toString())
                .isEqualTo("{\"format\":\"csv\",\"columns\":[\"a\"],\"onBadRecord\":\"skip\"}");
        assertThatThrownBy(() -> SplitInfo.fromJson(JsEngine.MAPPER.readTree("{\"format\":\"xml\"}"), 1))
                .hasMessage("unknown format \"xml\"; expected text, csv or jsonl");
        assertThatThrownBy(() -> SplitInfo.fromJson(JsEngine.MAPPER.readTree("{\"format\":\"csv\"}"), 1))
                .hasMessage("split.columns is required for csv");
        assertThatThrownBy(() -> SplitInfo.fromJson(
                        JsEngine.MAPPER.readTree("{\"format\":\"text\",\"onBadRecord\":\"ignore\"}"), 1))
                .hasMessageContaining("onBadRecord");
    }

    @Test
    void format_parse_acceptsIdsOnly() {
        assertThat(Format.parse("JSONL")).isEqualTo(Format.JSONL);
        assertThat(Format.CSV.id()).isEqualTo("csv");
        assertThatThrownBy(() -> Format.parse("tsv")).isInstanceOf(DataException.class);
    }
}
