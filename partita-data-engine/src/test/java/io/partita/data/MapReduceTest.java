package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.api.MapReduceFunction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MapReduceTest {

    /** Word count as in MapReduceFunction's Javadoc; records every combine call's list size. */
    static class WordCount implements MapReduceFunction {
        final boolean combining;
        final List<Integer> combineSizes = new ArrayList<>();

        WordCount(boolean combining) {
            this.combining = combining;
        }

        @Override
        public void map(Object line, Emitter emit) {
            for (String word : ((String) line).split("\\W+")) {
                if (!word.isEmpty()) {
                    emit.emit(word.toLowerCase(Locale.ROOT), 1);
                }
            }
        }

        @Override
        public boolean combines() {
            return combining;
        }

        @Override
        public void combine(Object word, List<Object> counts, Emitter emit) throws Exception {
            combineSizes.add(counts.size());
            reduce(word, counts, emit);
        }

        @Override
        public void reduce(Object word, List<Object> counts, Emitter emit) {
            long sum = 0;
            for (Object c : counts) {
                sum += ((Number) c).longValue();
            }
            emit.emit(word, sum);
        }
    }

    /** Emits each record's key/value as given by a function of the record; reduce collects values. */
    static class Emits implements MapReduceFunction {
        private final java.util.function.BiConsumer<Object, Emitter> map;

        Emits(java.util.function.BiConsumer<Object, Emitter> map) {
            this.map = map;
        }

        @Override
        public void map(Object record, Emitter emit) {
            map.accept(record, emit);
        }

        @Override
        public void reduce(Object key, List<Object> values, Emitter emit) {
            emit.emit(key, values);
        }
    }

    private static final SplitInfo TEXT = new SplitInfo(Format.TEXT, List.of("line"), 1, false);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static MapOutput map(String text, MapReduceFunction fn, int reducers) throws Exception {
        byte[] b = bytes(text);
        return MapSide.map(b, 0, b.length, TEXT, fn, reducers);
    }

    private static List<String> lines(byte[] run) {
        String s = str(run);
        return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n", -1)).subList(0, s.split("\n", -1).length - 1);
    }

    @Test
    void map_mapOnly_writesKeyValueObjectsInEmitOrder() throws Exception {
        MapOutput out = map("b a\nA\n", new WordCount(false), 0);
        assertThat(out.runs()).hasSize(1);
        assertThat(str(out.runs().get(0)))
                .isEqualTo("{\"key\":\"b\",\"value\":1}\n{\"key\":\"a\",\"value\":1}\n{\"key\":\"a\",\"value\":1}\n");
        assertThat(out.counters().recordsIn()).isEqualTo(2);
        assertThat(out.counters().recordsOut()).isEqualTo(3);
    }

    @Test
    void map_runsAreSortedRoutedByKeyHashAndComplete() throws Exception {
        TestData.Dataset data = TestData.text(1, 2000);
        int reducers = 5;
        MapOutput out =
                MapSide.map(data.bytes(), 0, data.bytes().length, data.info(false), new WordCount(false), reducers);
        assertThat(out.runs()).hasSize(reducers);
        Map<String, Long> counted = new TreeMap<>();
        long pairs = 0;
        for (int r = 0; r < reducers; r++) {
            String previous = null;
            for (String line : lines(out.runs().get(r))) {
                int comma = line.lastIndexOf(',');
                String key = line.substring(1, comma);
                assertThat(line).endsWith(",1]");
                assertThat(KeyHash.reducer(key, reducers)).isEqualTo(r);
                if (previous != null) {
                    assertThat(previous.compareTo(key)).isLessThanOrEqualTo(0);
                }
                previous = key;
                counted.merge(key, 1L, Long::sum);
                pairs++;
            }
        }
        assertThat(counted).isEqualTo(referenceWordCount(data));
        assertThat(out.counters().recordsOut()).isEqualTo(pairs);
        assertThat(out.counters().keys()).isEqualTo(counted.size());
    }

    private static Map<String, Long> referenceWordCount(TestData.Dataset data) {
        Map<String, Long> expected = new TreeMap<>();
        for (String line : str(data.bytes()).split("\r?\n")) {
            for (String w : line.split("\\W+")) {
                if (!w.isEmpty()) {
                    expected.merge(JsJson.string(w.toLowerCase(Locale.ROOT)), 1L, Long::sum);
                }
            }
        }
        return expected;
    }

    @Test
    void map_sortsByJsonTextNotByString() throws Exception {
        // "a!" < "a" as JSON text ('!' < '"'), though "a" < "a!" as strings.
        MapOutput out = map(
                "x\n",
                new Emits((r, e) -> {
                    e.emit("a", 1);
                    e.emit("a!", 2);
                    e.emit("\uFFFF", 3);
                    e.emit("😀", 4);
                }),
                1);
        assertThat(str(out.runs().get(0))).isEqualTo("[\"a!\",2]\n[\"a\",1]\n[\"😀\",4]\n[\"\uFFFF\",3]\n");
    }

    @Test
    void map_ordersKeysLikeStringCompareToOfTheirText_whateverTheirLengthsAndCharacters() throws Exception {
        // The sort compares packed 8-unit prefixes first: keys here share long prefixes, end within
        // and beyond them, and hold units from U+0001 (escaped) to U+FFFF and surrogate pairs.
        String[] units = {"a", "b", "\"", "\\", "\u0001", "\u007F", "\u00E9", "\u8000", "\uFFFF", "😀"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        java.util.Set<Object> keys = new java.util.LinkedHashSet<>();
        for (int i = 0; i < 3000; i++) {
            StringBuilder k = new StringBuilder(random.nextBoolean() ? "prefix__" : "");
            for (int n = random.nextInt(12); n > 0; n--) {
                k.append(units[random.nextInt(units.length)]);
            }
            keys.add(k.toString());
        }
        keys.addAll(List.of(-1, 0, 7, 12345678901L, 1.5, true, false, List.of(1, "a"), Map.of("k", 1)));
        MapOutput out = map("x\n", new Emits((r, e) -> keys.forEach(k -> e.emit(k, 0))), 1);
        List<String> texts = new ArrayList<>();
        for (String line : lines(out.runs().get(0))) {
            texts.add(line.substring(1, line.length() - ",0]".length()));
        }
        List<String> sorted = new ArrayList<>(texts);
        sorted.sort(String::compareTo);
        assertThat(texts).hasSize(keys.size()).isEqualTo(sorted);
    }

    @Test
    void map_withoutCombine_keepsEqualKeysInEmitOrder_andGroupsKeysByTheirJson() throws Exception {
        MapOutput out = map(
                "x\n",
                new Emits((r, e) -> {
                    e.emit(1, "first");
                    e.emit("1", "string key");
                    e.emit(1L, "second");
                    e.emit((short) 1, List.of(1, 2));
                    e.emit(1.0, "a double");
                }),
                1);
        assertThat(str(out.runs().get(0)))
                .isEqualTo("[\"1\",\"string key\"]\n[1,\"first\"]\n[1,\"second\"]\n[1,[1,2]]\n[1.0,\"a double\"]\n");
        assertThat(out.counters().keys()).isEqualTo(3);
    }

    @Test
    void map_withoutCombine_serializesMutableValuesWhenEmitted() throws Exception {
        MapOutput out = map(
                "x\n",
                new Emits((r, e) -> {
                    List<Integer> list = new ArrayList<>(List.of(1));
                    e.emit("k", list);
                    list.add(2);
                    e.emit("k", list);
                }),
                1);
        assertThat(str(out.runs().get(0))).isEqualTo("[\"k\",[1]]\n[\"k\",[1,2]]\n");
    }

    @Test
    void map_withCombine_combinesOncePerKeyAtTheEnd() throws Exception {
        WordCount wc = new WordCount(true);
        MapOutput out = map("b a b\nb\n", wc, 1);
        assertThat(str(out.runs().get(0))).isEqualTo("[\"a\",1]\n[\"b\",3]\n");
        assertThat(wc.combineSizes).containsExactly(1, 3);
        assertThat(out.counters().recordsOut()).isEqualTo(2);
    }

    @Test
    void map_withCombine_combinesEarlyForFrequentKeys() throws Exception {
        WordCount wc = new WordCount(true);
        MapOutput out = map("w\n".repeat(100), wc, 1);
        assertThat(str(out.runs().get(0))).isEqualTo("[\"w\",100]\n");
        // 32 values, then the combined 1 and 31 more, twice (94 read), then 1 + the last 6 at the end
        assertThat(wc.combineSizes).containsExactly(32, 32, 32, 7);
    }

    @Test
    void map_combineThatChangesTheKey_fails() {
        MapReduceFunction fn = new WordCount(true) {
            @Override
            public void combine(Object word, List<Object> counts, Emitter emit) {
                emit.emit(word + "!", counts.size());
            }
        };
        assertThatThrownBy(() -> map("a\n", fn, 1))
                .isInstanceOf(DataException.class)
                .hasMessage("combine emitted key \"a!\" for key \"a\"; it must emit pairs of the key it was given");
    }

    @Test
    void map_checkedExceptionsOfTheFunction_propagateUnwrapped() {
        MapReduceFunction failingMap = new WordCount(false) {
            @Override
            public void map(Object line, Emitter emit) {
                throw new IllegalStateException("boom");
            }
        };
        assertThatThrownBy(() -> map("a\n", failingMap, 1)).isInstanceOf(IllegalStateException.class);
        MapReduceFunction failingCombine = new WordCount(true) {
            @Override
            public void combine(Object word, List<Object> counts, Emitter emit) throws IOException {
                throw new IOException("combine broke");
            }
        };
        assertThatThrownBy(() -> map("a\n", failingCombine, 1))
                .isInstanceOf(IOException.class)
                .hasMessage("combine broke");
        assertThatThrownBy(() -> map("a\n".repeat(40), failingCombine, 1)).isInstanceOf(IOException.class);
    }

    @Test
    void map_negativeReducers_isRejected() {
        assertThatThrownBy(() -> map("a\n", new WordCount(false), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void map_csvAndJsonlRecords_haveTheirJavaTypes() throws Exception {
        List<Object> seen = new ArrayList<>();
        MapReduceFunction fn = new Emits((r, e) -> seen.add(r));
        byte[] csv = bytes("1,x\n");
        MapSide.map(csv, 0, csv.length, new SplitInfo(Format.CSV, List.of("id", "name"), 2, false), fn, 1);
        byte[] jsonl = bytes("{\"n\":1.5}\n");
        MapSide.map(jsonl, 0, jsonl.length, new SplitInfo(Format.JSONL, List.of("n"), 1, false), fn, 1);
        assertThat(seen).containsExactly(Map.of("id", "1", "name", "x"), Map.of("n", 1.5));
    }

    @Test
    void reduce_mergesRunsByKey_tiesInMapOrder() throws Exception {
        List<byte[]> runs = List.of(
                bytes("[\"a\",1]\n[\"c\",\"x\"]\n[\"c\",\"y\"]\n"),
                bytes(""),
                bytes("[\"b\",2.5]\n[\"c\",\"z\"]\n"),
                bytes("[\"a\",{\"k\":[1,null]}]\n[\"c\",12345678901]\n"));
        ReduceOutput out = ReduceSide.reduce(runs, new Emits(null));
        assertThat(str(out.output()))
                .isEqualTo("{\"key\":\"a\",\"value\":[1,{\"k\":[1,null]}]}\n"
                        + "{\"key\":\"b\",\"value\":[2.5]}\n"
                        + "{\"key\":\"c\",\"value\":[\"x\",\"y\",\"z\",12345678901]}\n");
        assertThat(out.counters().recordsIn()).isEqualTo(7);
        assertThat(out.counters().keys()).isEqualTo(3);
        assertThat(out.counters().recordsOut()).isEqualTo(3);
    }

    @Test
    void reduce_givesParsedKeysAndValues() throws Exception {
        List<Object> keys = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        MapReduceFunction fn = new Emits(null) {
            @Override
            public void reduce(Object key, List<Object> vs, Emitter emit) {
                keys.add(key);
                values.addAll(vs);
            }
        };
        ReduceSide.reduce(List.of(bytes("[1,\"é\"]\n[[1,2],true]\n[{\"a\":1},null]\n")), fn);
        assertThat(keys).containsExactly(1, List.of(1, 2), Map.of("a", 1));
        assertThat(values).containsExactly("é", true, null);
    }

    @Test
    void reduce_ordersSupplementaryCharactersBeforeHighBmpCharacters() throws Exception {
        List<byte[]> runs = List.of(bytes("[\"\uFFFF\",1]\n"), bytes("[\"😀\",2]\n"));
        assertThat(str(ReduceSide.reduce(runs, new Emits(null)).output()))
                .isEqualTo("{\"key\":\"😀\",\"value\":[2]}\n{\"key\":\"\uFFFF\",\"value\":[1]}\n");
    }

    @Test
    void reduce_malformedOrUnsortedRun_fails() {
        assertThatThrownBy(() -> ReduceSide.reduce(List.of(bytes("[\"a\",1]\n\"b\"\n")), new Emits(null)))
                .isInstanceOf(DataException.class)
                .hasMessage("run 0 line 2 is not a [key,value] array");
        assertThatThrownBy(
                        () -> ReduceSide.reduce(List.of(bytes(""), bytes("[\"b\",1]\n[\"a\",1]\n")), new Emits(null)))
                .isInstanceOf(DataException.class)
                .hasMessage("run 1 is not sorted by key at line 2");
    }

    @Test
    void mapThenReduce_wordCount_equalsAPlainCount() throws Exception {
        TestData.Dataset data = TestData.text(2, 5000);
        int reducers = 3;
        List<MapOutput> maps = new ArrayList<>();
        for (TestData.Split s : data.splits(4000)) {
            maps.add(MapSide.map(
                    data.bytes(),
                    s.offset(),
                    s.length(),
                    data.info(false).withFirstLine(s.firstLine()),
                    new WordCount(true),
                    reducers));
        }
        Map<String, Long> counted = new HashMap<>();
        for (int r = 0; r < reducers; r++) {
            List<byte[]> runs = new ArrayList<>();
            for (MapOutput m : maps) {
                runs.add(m.runs().get(r));
            }
            ReduceOutput out = ReduceSide.reduce(runs, new WordCount(true));
            for (String line : lines(out.output())) {
                var node = JsEngine.MAPPER.readTree(line);
                assertThat(counted.put(
                                JsJson.string(node.get("key").asText()),
                                node.get("value").asLong()))
                        .isNull();
            }
        }
        assertThat(new TreeMap<>(counted)).isEqualTo(referenceWordCount(data));
    }
}
