package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Query results against references computed plainly from the parsed rows. */
class QueryPlanTest {
    private static final TestData.Dataset CSV = TestData.csv(42, 3000, 0);
    private static final Pattern NUMERIC = Pattern.compile("^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$");

    /** A parsed row: column name to value, null for an empty field. */
    private static List<Map<String, String>> rows(TestData.Dataset d) {
        List<Map<String, String>> rows = new ArrayList<>();
        String text = new String(d.bytes(), StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty()) {
                continue;
            }
            List<String> f = Csv.parseLine(line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < d.columns().size(); c++) {
                row.put(d.columns().get(c), f.get(c).isEmpty() ? null : f.get(c));
            }
            rows.add(row);
        }
        return rows;
    }

    private static String run(String spec, TestData.Dataset d) throws Exception {
        QueryPlan plan = QuerySpec.compile(JsEngine.MAPPER.readTree(spec.replace('\'', '"')), d.format(), d.columns());
        return Jobs.java(plan, d, false, 7000).output();
    }

    private static String object(Object... namesAndValues) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(JsJson.string((String) namesAndValues[i]))
                    .append(':')
                    .append(JsJson.write(namesAndValues[i + 1]));
        }
        return sb.append("}\n").toString();
    }

    @Test
    void filterAndSelect_equalsPlainFilter() throws Exception {
        StringBuilder expected = new StringBuilder();
        for (Map<String, String> r : rows(CSV)) {
            if ("FR".equals(r.get("country")) && r.get("age") != null && Integer.parseInt(r.get("age")) >= 18) {
                expected.append(object("name", r.get("name"), "age", r.get("age")));
            }
        }
        assertThat(expected).isNotEmpty();
        assertThat(run(
                        "{'where':[{'column':'country','op':'=','value':'FR'},{'column':'age','op':'>=','value':18}],'select':['name','age']}",
                        CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void inAndIsNull_equalPlainFilter() throws Exception {
        StringBuilder expected = new StringBuilder();
        for (Map<String, String> r : rows(CSV)) {
            if (("FR".equals(r.get("country")) || "DE".equals(r.get("country"))) && r.get("age") == null) {
                expected.append(object("id", r.get("id")));
            }
        }
        assertThat(run(
                        "{'where':[{'column':'country','op':'in','value':['FR','DE']},{'column':'age','op':'is null'}],'select':['id']}",
                        CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void numberLiteral_comparesNumericStringsByValue() throws Exception {
        StringBuilder expected = new StringBuilder();
        for (Map<String, String> r : rows(CSV)) {
            String a = r.get("amount");
            if (a != null && NUMERIC.matcher(a).matches() && Double.parseDouble(a) > 0.15) {
                expected.append(object("amount", a));
            }
        }
        assertThat(run("{'where':[{'column':'amount','op':'>','value':0.15}],'select':['amount']}", CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void groupBy_countMinMax_orderedByCountDescThenCountry() throws Exception {
        record Stats(String country, int[] count, double[] min, double[] max) {}
        Map<String, Stats> groups = new LinkedHashMap<>();
        for (Map<String, String> r : rows(CSV)) {
            Stats s = groups.computeIfAbsent(
                    String.valueOf(r.get("country")),
                    k -> new Stats(r.get("country"), new int[1], new double[] {Double.NaN}, new double[] {Double.NaN}));
            s.count[0]++;
            if (r.get("age") != null) {
                double age = Double.parseDouble(r.get("age"));
                s.min[0] = Double.isNaN(s.min[0]) ? age : Math.min(s.min[0], age);
                s.max[0] = Double.isNaN(s.max[0]) ? age : Math.max(s.max[0], age);
            }
        }
        List<Stats> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.<Stats>comparingInt(s -> -s.count[0])
                .thenComparing(s -> s.country, Comparator.nullsLast(Comparator.naturalOrder())));
        StringBuilder expected = new StringBuilder();
        for (Stats s : sorted) {
            expected.append(object(
                    "country",
                    s.country,
                    "count",
                    s.count[0],
                    "min_age",
                    Double.isNaN(s.min[0]) ? null : s.min[0],
                    "max_age",
                    Double.isNaN(s.max[0]) ? null : s.max[0]));
        }
        assertThat(run(
                        "{'groupBy':['country'],'aggregates':[{'fn':'count'},{'fn':'min','column':'age'},{'fn':'max','column':'age'}],"
                                + "'orderBy':[{'column':'count','desc':true},{'column':'country'}]}",
                        CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void groupBy_sumAndAvgOfIntegers_inFirstSeenOrder() throws Exception {
        Map<String, long[]> groups = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (Map<String, String> r : rows(CSV)) {
            String key = String.valueOf(r.get("name"));
            names.put(key, r.get("name"));
            long[] s = groups.computeIfAbsent(key, k -> new long[2]);
            if (r.get("age") != null) {
                s[0] += Long.parseLong(r.get("age"));
                s[1]++;
            }
        }
        StringBuilder expected = new StringBuilder();
        groups.forEach((k, s) -> expected.append(object(
                "name", names.get(k), "sum_age", s[0], "n", s[1], "avg_age", s[1] == 0 ? null : (double) s[0] / s[1])));
        assertThat(run(
                        "{'groupBy':['name'],'aggregates':[{'fn':'sum','column':'age'},{'fn':'count','column':'age','as':'n'},"
                                + "{'fn':'avg','column':'age'}]}",
                        CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void orderByDescWithNullsFirstAndTies_thenLimit() throws Exception {
        List<Map<String, String>> matching = new ArrayList<>();
        for (Map<String, String> r : rows(CSV)) {
            if (r.get("name") != null && r.get("name").contains("a")) {
                matching.add(r);
            }
        }
        Comparator<Map<String, String>> byAgeDesc = Comparator.comparing((Map<String, String> r) ->
                        r.get("age") == null ? Double.POSITIVE_INFINITY : Double.parseDouble(r.get("age")))
                .reversed();
        matching.sort(byAgeDesc.thenComparing(r -> r.get("name")));
        StringBuilder expected = new StringBuilder();
        for (Map<String, String> r : matching.subList(0, 25)) {
            expected.append(object("id", r.get("id"), "name", r.get("name"), "age", r.get("age")));
        }
        assertThat(run(
                        "{'where':[{'column':'name','op':'contains','value':'a'}],'select':['id','name','age'],"
                                + "'orderBy':[{'column':'age','desc':true},{'column':'name'}],'limit':25}",
                        CSV))
                .isEqualTo(expected.toString());
    }

    @Test
    void limitWithoutOrder_keepsTheFirstRowsInDatasetOrder() throws Exception {
        StringBuilder expected = new StringBuilder();
        for (Map<String, String> r : rows(CSV).subList(0, 5)) {
            expected.append(object("id", r.get("id")));
        }
        assertThat(run("{'select':['id'],'limit':5}", CSV)).isEqualTo(expected.toString());
        assertThat(run("{'select':['id'],'limit':0}", CSV)).isEmpty();
    }

    @Test
    void aggregatesWithoutGroupBy_overNoRows_giveOneRow() throws Exception {
        assertThat(run(
                        "{'where':[{'column':'country','op':'=','value':'nowhere'}],'aggregates':[{'fn':'count'},"
                                + "{'fn':'sum','column':'age'},{'fn':'min','column':'age'},{'fn':'avg','column':'age'}]}",
                        CSV))
                .isEqualTo("{\"count\":0,\"sum_age\":0,\"min_age\":null,\"avg_age\":null}\n");
    }

    @Test
    void text_containsFilter_returnsLines() throws Exception {
        TestData.Dataset text = TestData.text(3, 500);
        StringBuilder expected = new StringBuilder();
        for (String line : new String(text.bytes(), StandardCharsets.UTF_8).split("\n")) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (l.contains("fox")) {
                expected.append(object("line", l));
            }
        }
        assertThat(run("{'where':[{'column':'line','op':'contains','value':'fox'}]}", text))
                .isEqualTo(expected.toString());
    }

    @Test
    void nonNumericAggregateValue_failsOrIsSkipped() throws Exception {
        TestData.Dataset bad = TestData.csv(5, 200, 7);
        QueryPlan plan = QuerySpec.compile(
                JsEngine.MAPPER.readTree("{\"aggregates\":[{\"fn\":\"sum\",\"column\":\"amount\"}]}"),
                Format.CSV,
                bad.columns());
        assertThatThrownBy(() -> Jobs.java(plan, bad, false, 100_000))
                .isInstanceOf(DataException.class)
                .hasMessageMatching(
                        "line \\d+: (expected 7 fields, found 3|column \"amount\" is not a number: \"abc\")");
        Jobs.Result skipped = Jobs.java(plan, bad, true, 100_000);
        assertThat(skipped.mapCounters().get(0)).contains("\"badRecords\":28");
    }

    @Test
    void map_splitOfAnotherFormat_fails() throws Exception {
        QueryPlan plan = QuerySpec.compile(JsEngine.MAPPER.readTree("{}"), Format.CSV, List.of("a"));
        assertThatThrownBy(() -> plan.map(new byte[0], 0, 0, new SplitInfo(Format.TEXT, List.of("line"), 1, false)))
                .hasMessage("the plan is for csv data, the split is text");
        assertThatThrownBy(() -> plan.reduce(List.of())).hasMessage("a map-only query has no reduce side");
    }
}
