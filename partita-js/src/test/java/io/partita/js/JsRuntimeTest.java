package io.partita.js;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsRuntimeTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration T = Duration.ofSeconds(10);
    static final AtomicInteger IDS = new AtomicInteger();
    static JsRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = JsRuntime.create(JsOptions.defaults().withPoolSizePerModule(2));
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    static JsModule module(String source) {
        return runtime.module("m" + IDS.incrementAndGet(), source);
    }

    static JsTaskContext ctx(String params) throws Exception {
        return new JsTaskContext(json(params), 3, 1, 10, m -> {});
    }

    static final String GOOD = """
            export function compute(i, ctx) { let s = 0; for (let k = 0; k < ctx.params.n; k++) s += (i * k) % 7; return s; }
            export function combine(a, b) { return a + b; }
            """;

    /** A healthy task on a fresh module: the runtime still works after whatever ran before. */
    static void assertHealthy() throws Exception {
        JsModule good = module(GOOD);
        assertThat(good.compute(json("5"), ctx("{\"n\": 10}"), T).asInt()).isEqualTo(29);
    }

    @Test
    void compute_runsTheExampleAndCombines() throws Exception {
        JsModule m = module(GOOD);
        assertThat(m.compute(json("5"), ctx("{\"n\": 10}"), T).asInt()).isEqualTo(29);
        assertThat(m.combine(json("2"), json("40"), T).asInt()).isEqualTo(42);
        assertThat(m.has("compute")).isTrue();
        assertThat(m.has("combine")).isTrue();
        assertThat(m.has("prepare")).isFalse();
    }

    @Test
    void allFunctions_exchangeJson() throws Exception {
        JsModule m = module("""
                export function prepare(p) { return {count: p.n}; }
                export function input(p, i) { return {i, tag: p.tag}; }
                export function compute(x, ctx) {
                  return {x, partition: ctx.partition, attempt: ctx.attempt, partitions: ctx.partitions, u: undefined};
                }
                export function collect(outs, p) { return outs.reduce((a, b) => a + b, 0) * p.k; }
                export function nothing() { return undefined; }
                export function combine() { return undefined; }
                """);
        assertThat(m.prepare(json("{\"n\": 4}"), T)).isEqualTo(json("{\"count\": 4}"));
        assertThat(m.input(json("{\"tag\": \"t\"}"), 7, T)).isEqualTo(json("{\"i\": 7, \"tag\": \"t\"}"));
        assertThat(m.compute(json("[1,\"a\",null]"), ctx("{}"), T))
                .isEqualTo(json("{\"x\": [1,\"a\",null], \"partition\": 3, \"attempt\": 1, \"partitions\": 10}"));
        assertThat(m.collect(List.of(json("1"), json("2"), json("3")), json("{\"k\": 2}"), T)
                        .asInt())
                .isEqualTo(12);
        assertThat(m.combine(json("1"), json("2"), T).isNull()).isTrue();
    }

    @Test
    void compute_awaitsAnAsyncFunction() throws Exception {
        JsModule m = module("export async function compute(i){ await null; return i*2 }");
        assertThat(m.compute(json("21"), ctx("{}"), T).asInt()).isEqualTo(42);
    }

    @Test
    void compute_rejectedPromiseFailsWithItsMessage() throws Exception {
        JsModule m = module("export async function compute(i){ await null; throw new Error('late ' + i) }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), T))
                .isInstanceOf(JsTaskException.class)
                .hasMessageContaining("Error: late 1");
        assertHealthy();
    }

    @Test
    void compute_promiseThatNeverSettlesFails() throws Exception {
        JsModule m = module("export function compute(){ return new Promise(() => {}) }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), T))
                .isInstanceOf(JsTaskException.class)
                .hasMessageContaining("never settled");
        assertHealthy();
    }

    @Test
    void log_deliversCtxAndConsoleMessagesInOrder() throws Exception {
        JsModule m = module("""
                export function compute(i, ctx) { ctx.log('a ' + i); console.log('b', {x: 1}); throw new Error('x'); }
                """);
        List<String> lines = new ArrayList<>();
        JsTaskContext c = new JsTaskContext(json("{}"), 0, 1, 1, lines::add);
        assertThatThrownBy(() -> m.compute(json("1"), c, T)).isInstanceOf(JsTaskException.class);
        assertThat(lines).containsExactly("a 1", "b {\"x\":1}");
    }

    @Test
    void thrownError_keepsMessageAndLine() throws Exception {
        JsModule m = module("export function compute(i) {\n  let x = i;\n  throw new Error('boom');\n}\n");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), T))
                .isInstanceOf(JsTaskException.class)
                .hasMessage("Error: boom (at line 3)")
                .extracting(e -> ((JsTaskException) e).kind())
                .isEqualTo(JsTaskException.Kind.ERROR);
        assertHealthy();
    }

    @Test
    void missingExport_failsClearly() throws Exception {
        JsModule m = module("export function compute(i) { return i }");
        assertThatThrownBy(() -> m.combine(json("1"), json("2"), T))
                .isInstanceOf(JsTaskException.class)
                .hasMessageContaining("does not export a function 'combine'");
    }

    @Test
    void contexts_areReusedAcrossCalls() throws Exception {
        JsModule m = module("let calls = 0; export function compute() { return ++calls; }");
        assertThat(m.compute(json("0"), ctx("{}"), T).asInt()).isEqualTo(1);
        assertThat(m.compute(json("0"), ctx("{}"), T).asInt()).isEqualTo(2);
    }

    @Test
    void compute_runsConcurrentlyOnPooledContexts() throws Exception {
        JsModule m = module(GOOD);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<JsonNode>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int input = i;
                results.add(pool.submit(() -> m.compute(json(String.valueOf(input)), ctx("{\"n\": 1000}"), T)));
            }
            for (int i = 0; i < 16; i++) {
                long expected = 0;
                for (int k = 0; k < 1000; k++) {
                    expected += (i * k) % 7;
                }
                assertThat(results.get(i).get(30, TimeUnit.SECONDS).asLong()).isEqualTo(expected);
            }
        }
    }

    @Test
    void module_sameHashReturnsSameModule() {
        JsModule a = runtime.module("same-hash", GOOD);
        assertThat(runtime.module("same-hash", "garbage")).isSameAs(a);
    }

    @Test
    void implementation_isReported() {
        assertThat(runtime.implementation()).isNotBlank();
        assertThat(runtime.jit()).isEqualTo(!"Interpreted".equals(runtime.implementation()));
    }

    @Test
    void syntaxError_failsAtLoadWithLineAndColumn() throws Exception {
        JsModule m = module("export function compute(i) {\n  return i +;\n}\n");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), T))
                .isInstanceOf(JsTaskException.class)
                .hasMessageStartingWith("SyntaxError at line 2, column ");
        assertThat(m.has("compute")).isFalse();
        assertHealthy();
    }

    @Test
    void jsSyntax_givesOneBasedLineAndColumn() {
        assertThat(JsSyntax.check(GOOD)).isEmpty();
        assertThat(JsSyntax.check("export function compute(i) {\n  return i +;\n}\n"))
                .hasValueSatisfying(e -> {
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.column()).isEqualTo(13);
                    assertThat(e.message()).isNotBlank();
                });
        assertThat(JsSyntax.check("x = ;")).hasValueSatisfying(e -> {
            assertThat(e.line()).isEqualTo(1);
            assertThat(e.column()).isEqualTo(5);
        });
    }

    @Test
    void jsSyntax_doesNotRunTheModule() {
        assertThat(JsSyntax.check("while (true) {}\nexport function compute() {}"))
                .isEmpty();
        assertThat(JsSyntax.check("import fs from 'fs'; export function compute() {}"))
                .isEmpty();
    }
}
