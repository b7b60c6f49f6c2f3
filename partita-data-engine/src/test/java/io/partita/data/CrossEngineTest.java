package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.partita.api.MapReduceFunction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java engine and engine.js (in GraalJS) over the same splits: query runs, outputs and counters
 * must be byte-identical, and so must MapReduce runs and outputs of equivalent functions.
 */
class CrossEngineTest {
    private static JsEngine js;

    private static final TestData.Dataset CSV = TestData.csv(7, 3000, 0);
    private static final TestData.Dataset CSV_BAD = TestData.csv(8, 1500, 37);
    private static final TestData.Dataset JSONL = TestData.jsonl(9, 2000, 0);
    private static final TestData.Dataset JSONL_BAD = TestData.jsonl(10, 1500, 41);
    private static final TestData.Dataset TEXT = TestData.text(11, 2000);

    @BeforeAll
    static void start() {
        js = new JsEngine();
    }

    @AfterAll
    static void stop() {
        js.close();
    }

    static Stream<Arguments> queries() {
        List<Arguments> out = new ArrayList<>();
        for (String q : new String[] {
            "{}",
            "{'select':['note','name']}",
            "{'where':[{'column':'country','op':'=','value':'FR'}]}",
            "{'where':[{'column':'country','op':'!=','value':'FR'}],'select':['country']}",
            "{'where':[{'column':'age','op':'<','value':30}],'select':['age']}",
            "{'where':[{'column':'age','op':'<=','value':30},{'column':'age','op':'>','value':12.5}],'select':['age']}",
            "{'where':[{'column':'age','op':'>=','value':'5'}],'select':['age']}",
            "{'where':[{'column':'age','op':'!=','value':30}],'select':['age']}",
            "{'where':[{'column':'name','op':'contains','value':'a'}],'select':['name']}",
            "{'where':[{'column':'name','op':'startsWith','value':'b'}],'select':['name']}",
            "{'where':[{'column':'country','op':'in','value':['FR',1,true,'日本']}],'select':['country']}",
            "{'where':[{'column':'note','op':'is null'}],'select':['id']}",
            "{'where':[{'column':'note','op':'is not null'}],'select':['id','note']}",
            "{'where':[{'column':'flag','op':'=','value':true}],'select':['flag']}",
            "{'where':[{'column':'flag','op':'!=','value':false}],'select':['flag']}",
            "{'where':[{'column':'amount','op':'=','value':0.30000000000000004}],'select':['amount']}",
            "{'where':[{'column':'amount','op':'=','value':'1.5'}],'select':['amount']}",
            "{'where':[{'column':'amount','op':'<','value':'1'}],'select':['amount']}",
            "{'where':[{'column':'amount','op':'=','value':1000}],'select':['amount']}",
            "{'groupBy':['country'],'aggregates':[{'fn':'count'},{'fn':'count','column':'age'},{'fn':'sum','column':'amount'},"
                    + "{'fn':'min','column':'amount'},{'fn':'max','column':'amount'},{'fn':'avg','column':'amount'}],"
                    + "'orderBy':[{'column':'sum_amount','desc':true}]}",
            "{'groupBy':['country','flag'],'select':['flag'],'aggregates':[{'fn':'sum','column':'age'}],"
                    + "'orderBy':[{'column':'flag'},{'column':'sum_age','desc':true}],'limit':7}",
            "{'select':['id','amount'],'orderBy':[{'column':'amount'}],'limit':50}",
            "{'select':['id','name'],'orderBy':[{'column':'name','desc':true}]}",
            "{'limit':13}",
            "{'groupBy':['name']}",
            "{'aggregates':[{'fn':'count'},{'fn':'sum','column':'amount'},{'fn':'avg','column':'amount'},{'fn':'min','column':'age'}]}",
            "{'groupBy':['amount'],'aggregates':[{'fn':'count'}],'orderBy':[{'column':'amount','desc':true}]}",
            "{'where':[{'column':'country','op':'=','value':'nowhere'}],'aggregates':[{'fn':'count'},{'fn':'max','column':'age'}]}",
        }) {
            out.add(Arguments.of("csv", q));
        }
        for (String q : new String[] {
            "{}",
            "{'select':['meta','tags','score'],'where':[{'column':'score','op':'is not null'}]}",
            "{'where':[{'column':'score','op':'>','value':1}],'select':['id','score']}",
            "{'where':[{'column':'score','op':'=','value':1.5}],'select':['score']}",
            "{'where':[{'column':'score','op':'=','value':'2.5'}],'select':['score']}",
            "{'where':[{'column':'score','op':'<','value':'2'}],'select':['score']}",
            "{'where':[{'column':'country','op':'=','value':1}],'select':['country']}",
            "{'where':[{'column':'country','op':'=','value':'1'}],'select':['country']}",
            "{'where':[{'column':'ok','op':'=','value':true}],'select':['id','ok']}",
            "{'where':[{'column':'tags','op':'is null'}],'select':['id']}",
            "{'where':[{'column':'meta','op':'is not null'},{'column':'name','op':'startsWith','value':'a'}],'select':['meta','name']}",
            "{'where':[{'column':'ok','op':'!=','value':'true'}],'select':['ok']}",
            "{'where':[{'column':'id','op':'in','value':[5,'7',8.0]}],'select':['id']}",
            "{'groupBy':['country'],'aggregates':[{'fn':'count'},{'fn':'sum','column':'score'},{'fn':'avg','column':'score'},"
                    + "{'fn':'min','column':'score'},{'fn':'max','column':'score'}],'orderBy':[{'column':'avg_score','desc':true}]}",
            "{'groupBy':['score'],'aggregates':[{'fn':'count'}],'orderBy':[{'column':'score'}]}",
            "{'groupBy':['meta','ok'],'aggregates':[{'fn':'count'}]}",
            "{'select':['id','tags'],'orderBy':[{'column':'tags'},{'column':'id','desc':true}],'limit':20}",
            "{'aggregates':[{'fn':'sum','column':'score'},{'fn':'sum','column':'id'},{'fn':'avg','column':'id'}]}",
        }) {
            out.add(Arguments.of("jsonl", q));
        }
        for (String q : new String[] {
            "{'where':[{'column':'line','op':'contains','value':'fox'}]}",
            "{'groupBy':['line'],'aggregates':[{'fn':'count'}],'orderBy':[{'column':'count','desc':true},{'column':'line'}],'limit':10}",
            "{'orderBy':[{'column':'line'}]}",
            "{'where':[{'column':'line','op':'startsWith','value':'The'}],'limit':3}",
        }) {
            out.add(Arguments.of("text", q));
        }
        return out.stream();
    }

    private static TestData.Dataset dataset(String name) {
        return switch (name) {
            case "csv" -> CSV;
            case "jsonl" -> JSONL;
            default -> TEXT;
        };
    }

    private static QueryPlan plan(String spec, TestData.Dataset d) throws Exception {
        return QuerySpec.compile(JsEngine.MAPPER.readTree(spec.replace('\'', '"')), d.format(), d.columns());
    }

    private static void assertSame(Jobs.Result java, Jobs.Result script) {
        assertThat(script.runs()).hasSameSizeAs(java.runs());
        for (int i = 0; i < java.runs().size(); i++) {
            assertThat(script.runs().get(i).getBytes(StandardCharsets.UTF_8))
                    .as("run of split %d", i)
                    .isEqualTo(java.runs().get(i).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(script.mapCounters()).isEqualTo(java.mapCounters());
        assertThat(script.output().getBytes(StandardCharsets.UTF_8))
                .isEqualTo(java.output().getBytes(StandardCharsets.UTF_8));
        assertThat(script.reduceCounters()).isEqualTo(java.reduceCounters());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("queries")
    void query_javaAndJs_produceIdenticalRunsAndOutput(String data, String spec) throws Exception {
        TestData.Dataset d = dataset(data);
        QueryPlan plan = plan(spec, d);
        Jobs.Result java = Jobs.java(plan, d, true, 9000);
        assertThat(java.output())
                .as("a query that returns nothing proves little")
                .isNotEmpty();
        assertSame(java, Jobs.js(js, plan, d, true, 9000));
    }

    @Test
    void query_jsonlNumbers_areWrittenTheJavaScriptWay() throws Exception {
        TestData.Dataset d = new TestData.Dataset(
                Format.JSONL,
                ("{\"n\":1}\n{\"n\":1.5}\n{\"n\":1e21}\n{\"n\":0.1}\n{\"n\":0.2}\n{\"n\":-0}\n{\"n\":1E-7}\n"
                                + "{\"n\":123456789012345678901234567890}\n{\"n\":\"1e400\"}\n{\"n\":{\"b\":1,\"2\":2,\"1\":[1.0]}}\n")
                        .getBytes(StandardCharsets.UTF_8),
                0,
                1,
                List.of("n"));
        QueryPlan select = plan("{}", d);
        Jobs.Result java = Jobs.java(select, d, false, 30);
        assertThat(java.output())
                .isEqualTo("{\"n\":1}\n{\"n\":1.5}\n{\"n\":1e+21}\n{\"n\":0.1}\n{\"n\":0.2}\n{\"n\":0}\n{\"n\":1e-7}\n"
                        + "{\"n\":1.2345678901234568e+29}\n{\"n\":\"1e400\"}\n{\"n\":{\"1\":[1],\"2\":2,\"b\":1}}\n");
        assertSame(java, Jobs.js(js, select, d, false, 30));
        QueryPlan sums = plan(
                "{'where':[{'column':'n','op':'<','value':1}],'aggregates':[{'fn':'sum','column':'n'},{'fn':'max','column':'n'}]}",
                d);
        Jobs.Result sumJava = Jobs.java(sums, d, false, 30);
        assertThat(sumJava.output()).startsWith("{\"sum_n\":0.3000001").endsWith(",\"max_n\":0.2}\n");
        assertSame(sumJava, Jobs.js(js, sums, d, false, 30));
        QueryPlan infinite = plan(
                "{'where':[{'column':'n','op':'is not null'},{'column':'n','op':'!=','value':0}],"
                        + "'aggregates':[{'fn':'sum','column':'n'},{'fn':'max','column':'n'}],'groupBy':[]}",
                d);
        TestData.Dataset numbers = new TestData.Dataset(
                Format.JSONL,
                "{\"n\":1}\n{\"n\":\"1e400\"}\n{\"n\":\"-1e400\"}\n".getBytes(StandardCharsets.UTF_8),
                0,
                1,
                List.of("n"));
        Jobs.Result nan = Jobs.java(infinite, numbers, false, 10);
        assertThat(nan.runs()).contains("[[],\"Infinity\",\"Infinity\"]\n", "[[],\"-Infinity\",\"-Infinity\"]\n");
        assertThat(nan.output()).isEqualTo("{\"sum_n\":null,\"max_n\":null}\n");
        assertSame(nan, Jobs.js(js, infinite, numbers, false, 10));
    }

    @Test
    void query_badRecords_failWithTheSameMessage_orAreSkippedAlike() throws Exception {
        for (TestData.Dataset d : List.of(CSV_BAD, JSONL_BAD)) {
            String column = d == CSV_BAD ? "amount" : "score";
            QueryPlan plan = plan("{'groupBy':['country'],'aggregates':[{'fn':'sum','column':'" + column + "'}]}", d);
            assertSame(Jobs.java(plan, d, true, 5000), Jobs.js(js, plan, d, true, 5000));
            Throwable java = catchThrowable(() -> Jobs.java(plan, d, false, 5000));
            Throwable script = catchThrowable(() -> Jobs.js(js, plan, d, false, 5000));
            assertThat(java).isInstanceOf(DataException.class);
            assertThat(script).isInstanceOf(JsEngine.JsError.class).hasMessage(java.getMessage());
        }
    }

    @Test
    void records_invalidJsonLines_areDescribedIdentically() throws Exception {
        String[] lines = {
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\":",
            "[1,2",
            "{'a':1}",
            "tru",
            "01",
            "1.",
            ".5",
            "-",
            "\"abc",
            "\"a\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "{\"a\" 1}",
            "[1,]",
            "{,}",
            "NaN",
            "\uFEFF{}",
            "\"tab\there\"",
            "nul",
            "1e",
            "1e+",
            "{\"a\":1}}",
            "[[[",
            "{\"a\":[}",
            "+1",
            "Infinity",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
            "\"\u0000\"",
            "[\"\u001f\"]",
            "  {\"ok\":1}  ",
            "1e400",
            "-0",
            "\"\\ud800\"",
            "[".repeat(501) + "]".repeat(501),
            "[".repeat(500) + "]".repeat(500),
            "{\"a\":\"" + "[".repeat(3000) + "\"}"
        };
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        TestData.Dataset d =
                new TestData.Dataset(Format.JSONL, sb.toString().getBytes(StandardCharsets.UTF_8), 0, 1, List.of("a"));
        QueryPlan plan = plan("{}", d);
        Jobs.Result java = Jobs.java(plan, d, true, 1 << 20);
        Jobs.Result script = Jobs.js(js, plan, d, true, 1 << 20);
        assertThat(java.mapCounters().get(0)).contains("\"badRecords\":33");
        assertThat(java.output()).isEqualTo("{\"a\":null}\n".repeat(5) + "{\"a\":\"" + "[".repeat(3000) + "\"}\n");
        assertThat(java.mapCounters().get(0))
                .contains("{\"line\":1,\"error\":\"not valid JSON: unexpected \\\"}\\\" at column 8\"}");
        assertSame(java, script);
    }

    @Test
    void records_randomCsvLines_parseIdentically() throws Exception {
        SplittableRandom r = new SplittableRandom(13);
        String alphabet = "ab\",  \"é";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            sb.append(r.nextInt(5) == 0 ? "\r\n" : "\n");
        }
        TestData.Dataset d = new TestData.Dataset(
                Format.CSV, sb.toString().getBytes(StandardCharsets.UTF_8), 0, 2, List.of("x", "y", "z"));
        QueryPlan plan = plan("{}", d);
        Jobs.Result java = Jobs.java(plan, d, true, 2000);
        assertThat(java.output()).isNotEmpty();
        assertThat(String.join("", java.mapCounters()))
                .contains("unterminated quoted field", "after the closing quote", "expected 3 fields");
        assertSame(java, Jobs.js(js, plan, d, true, 2000));
    }

    @Test
    void reducer_equalsKeyHash() {
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder("\"");
            int n = r.nextInt(20);
            for (int k = 0; k < n; k++) {
                sb.appendCodePoint(r.nextInt(8) == 0 ? r.nextInt(0x80, 0x10FFFF) : r.nextInt(0x20, 0x7F));
            }
            String key = sb.append('"').toString();
            int reducers = new int[] {1, 2, 3, 7, 64, 1000}[r.nextInt(6)];
            if (Character.isSurrogate(key.charAt(key.length() - 2))
                    && !Character.isLowSurrogate(key.charAt(key.length() - 2))) {
                continue;
            }
            assertThat(js.reducer(key, reducers)).as(key).isEqualTo(KeyHash.reducer(key, reducers));
        }
    }

    /** The Java engine's map of one split of {@code TEXT}. */
    private static MapOutput javaMap(TestData.Split s, MapReduceFunction fn, int reducers) throws Exception {
        return MapSide.map(
                TEXT.bytes(), s.offset(), s.length(), TEXT.info(false).withFirstLine(s.firstLine()), fn, reducers);
    }

    /** The JavaScript engine's map of the same split, {@code {runs, counters}}. */
    private static JsonNode jsMap(TestData.Split s, String fns, int reducers) {
        ObjectNode info = TEXT.info(false).toJson();
        info.put("firstLine", s.firstLine());
        return js.map(TEXT.text(s), info, fns, reducers);
    }

    private static final String JS_WORD_COUNT = """
            {
              map(line, emit) { for (const w of line.split(/\\W+/)) if (w) emit(w.toLowerCase(), 1); },
              combine(w, counts, emit) { let s = 0; for (const c of counts) s += c; emit(w, s); },
              reduce(w, counts, emit) { let s = 0; for (const c of counts) s += c; emit(w, s); }
            }""";

    @Test
    void mapReduce_wordCount_javaAndJs_produceIdenticalRunsAndOutputs() throws Exception {
        for (boolean combining : new boolean[] {true, false}) {
            String fns = combining ? JS_WORD_COUNT : JS_WORD_COUNT.replaceFirst("combine\\(", "notCombine(");
            for (int reducers : new int[] {0, 1, 3}) {
                List<List<byte[]>> javaRuns = new ArrayList<>();
                List<List<String>> jsRuns = new ArrayList<>();
                for (TestData.Split s : TEXT.splits(7000)) {
                    MapOutput m = javaMap(s, new MapReduceTest.WordCount(combining), reducers);
                    JsonNode out = jsMap(s, fns, reducers);
                    assertThat(out.get("counters").toString())
                            .isEqualTo(m.counters().toJson().toString());
                    List<String> runs = new ArrayList<>();
                    out.get("runs").forEach(n -> runs.add(n.textValue()));
                    assertThat(runs).hasSize(Math.max(1, reducers));
                    for (int r = 0; r < runs.size(); r++) {
                        assertThat(runs.get(r).getBytes(StandardCharsets.UTF_8))
                                .isEqualTo(m.runs().get(r));
                    }
                    javaRuns.add(m.runs());
                    jsRuns.add(runs);
                }
                for (int r = 0; r < reducers; r++) {
                    List<byte[]> javaIn = new ArrayList<>();
                    List<String> jsIn = new ArrayList<>();
                    for (int m = 0; m < javaRuns.size(); m++) {
                        javaIn.add(javaRuns.get(m).get(r));
                        jsIn.add(jsRuns.get(m).get(r));
                    }
                    ReduceOutput javaOut = ReduceSide.reduce(javaIn, new MapReduceTest.WordCount(combining));
                    JsonNode jsOut = js.reduce(jsIn, fns);
                    assertThat(jsOut.get("output").textValue())
                            .isNotEmpty()
                            .isEqualTo(new String(javaOut.output(), StandardCharsets.UTF_8));
                    assertThat(jsOut.get("counters").toString())
                            .isEqualTo(javaOut.counters().toJson().toString());
                }
            }
        }
    }

    /** Emits keys of every JSON kind per line; JavaScript also a String object, grouped with its string. */
    private static final String JS_MIXED_KEYS = """
            {
              map(line, emit) {
                const n = line.length;
                emit(line, 1); emit(n, 1); emit(n + 0.5, 1); emit(n % 2 === 0, 1); emit(null, 1);
                emit([n % 3, line.slice(0, 2)], 1); emit({n: n % 2}, 1); emit(new String(line.slice(0, 1)), 1);
              },
              combine(k, counts, emit) { let s = 0; for (const c of counts) s += c; emit(k, s); },
              reduce(k, counts, emit) { let s = 0; for (const c of counts) s += c; emit(k, s); }
            }""";

    /** Word count's combine and reduce (sums), over keys of every JSON kind. */
    private static final class MixedKeys extends MapReduceTest.WordCount {
        MixedKeys(boolean combining) {
            super(combining);
        }

        @Override
        public void map(Object record, Emitter emit) {
            String line = (String) record;
            int n = line.length();
            emit.emit(line, 1);
            emit.emit(n, 1);
            emit.emit(n + 0.5, 1);
            emit.emit(n % 2 == 0, 1);
            emit.emit(null, 1);
            emit.emit(List.of(n % 3, line.substring(0, Math.min(2, n))), 1);
            emit.emit(Map.of("n", n % 2), 1);
            emit.emit(line.substring(0, Math.min(1, n)), 1);
        }
    }

    @Test
    void mapReduce_keysOfEveryKind_javaAndJs_produceIdenticalRuns() throws Exception {
        for (boolean combining : new boolean[] {true, false}) {
            String fns = combining ? JS_MIXED_KEYS : JS_MIXED_KEYS.replaceFirst("combine\\(", "notCombine(");
            for (int reducers : new int[] {1, 3}) {
                for (TestData.Split s : TEXT.splits(7000)) {
                    MapOutput m = javaMap(s, new MixedKeys(combining), reducers);
                    JsonNode out = jsMap(s, fns, reducers);
                    assertThat(out.get("counters").toString())
                            .isEqualTo(m.counters().toJson().toString());
                    for (int r = 0; r < reducers; r++) {
                        assertThat(out.get("runs").get(r).textValue())
                                .as("combining %s, reducer %d of %d", combining, r, reducers)
                                .isEqualTo(new String(m.runs().get(r), StandardCharsets.UTF_8));
                    }
                }
            }
        }
    }

    @Test
    void mapReduce_jsContractViolations_fail() {
        ObjectNode info = TEXT.info(false).toJson();
        Throwable async =
                catchThrowable(() -> js.map("a\n", info, "{ async map(l, emit) { emit(l, 1); }, reduce() {} }", 1));
        assertThat(async).hasMessage("map must be synchronous; it returned a Promise");
        Throwable rekey = catchThrowable(() -> js.map(
                "a\n",
                info,
                "{ map(l, emit) { emit(l, 1); }, combine(k, v, emit) { emit(k + '!', v.length); }, reduce() {} }",
                1));
        assertThat(rekey)
                .hasMessage("combine emitted key \"a!\" for key \"a\"; it must emit pairs of the key it was given");
        Throwable malformed = catchThrowable(() -> js.reduce(List.of("[\"a\",1]\n\"b\"\n"), "{ reduce() {} }"));
        assertThat(malformed).hasMessage("run 0 line 2 is not a [key,value] array");
        Throwable unsorted = catchThrowable(() -> js.reduce(List.of("", "[\"b\",1]\n[\"a\",1]\n"), "{ reduce() {} }"));
        assertThat(unsorted).hasMessage("run 1 is not sorted by key at line 2");
    }
}
