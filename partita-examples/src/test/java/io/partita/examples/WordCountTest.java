package io.partita.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WordCountTest {

    private static List<String> words(Object record) {
        List<String> out = new ArrayList<>();
        new WordCount().map(record, (k, v) -> {
            assertThat(v).isEqualTo(1);
            out.add((String) k);
        });
        return out;
    }

    @Test
    void map_textLine_splitsOnAsciiWhiteSpace() {
        assertThat(words(" a  b\tc\r\n")).containsExactly("a", "b", "c");
    }

    @Test
    void map_csvRow_countsTheValuesNotTheColumns() {
        // The README's example runs word count over sales.csv; it used to fail with a ClassCastException.
        Map<String, String> row = new LinkedHashMap<>();
        row.put("date", "2024-01-01");
        row.put("city", "Rome");
        row.put("product", "green tea");
        assertThat(words(row)).containsExactly("2024-01-01", "Rome", "green", "tea");
    }

    @Test
    void map_jsonRecord_countsNestedValuesAndSkipsNull() {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("title", "to be");
        record.put("tags", Arrays.asList("or", null, 2));
        record.put("none", null);
        assertThat(words(record)).containsExactly("to", "be", "or", "2");
    }
}
