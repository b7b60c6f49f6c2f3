package io.partita.js;

import static io.partita.js.JsRuntimeTest.assertHealthy;
import static io.partita.js.JsRuntimeTest.ctx;
import static io.partita.js.JsRuntimeTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each bad module ends its task with a clear error, and the runtime runs a good task afterwards. */
class JsSandboxTest {

    static final Duration T = Duration.ofSeconds(10);
    static final AtomicInteger IDS = new AtomicInteger();

    @BeforeAll
    static void start() {
        JsRuntimeTest.start();
    }

    @AfterAll
    static void stop() {
        JsRuntimeTest.stop();
    }

    static JsTaskException failure(String source) throws Exception {
        JsModule m = JsRuntimeTest.module(source);
        try {
            m.compute(json("1"), ctx("{}"), T);
        } catch (JsTaskException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail: " + source);
    }

    @Test
    void infiniteLoop_timesOut() throws Exception {
        JsModule m = JsRuntimeTest.module("export function compute() { while (true) {} }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofMillis(500)))
                .isInstanceOf(JsTaskException.class)
                .hasMessage("timed out after PT0.5S")
                .extracting(e -> ((JsTaskException) e).kind())
                .isEqualTo(JsTaskException.Kind.TIMEOUT);
        assertHealthy();
        // The module itself stays usable: its next call gets a fresh context and times out again.
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofMillis(200)))
                .hasMessage("timed out after PT0.2S");
    }

    @Test
    void infiniteLoopAtLoad_timesOut() throws Exception {
        JsModule m = JsRuntimeTest.module("while (true) {}\nexport function compute() { return 1 }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofMillis(300)))
                .hasMessage("timed out after PT0.3S");
        assertHealthy();
    }

    @Test
    void javaType_isNotAvailable() throws Exception {
        JsTaskException e = failure("export function compute() { return Java.type('java.lang.System').exit(1) }");
        assertThat(e.getMessage()).contains("java.lang.System is not allowed").contains("(at line 1)");
        assertThat(e.kind()).isEqualTo(JsTaskException.Kind.ERROR);
        assertHealthy();
    }

    @Test
    void polyglotEval_isNotAvailable() throws Exception {
        JsTaskException e = failure("export function compute() { return Polyglot.eval('js', '1') }");
        assertThat(e.getMessage()).isEqualTo("ReferenceError: Polyglot is not defined (at line 1)");
        assertHealthy();
    }

    @Test
    void require_isNotDefined() throws Exception {
        JsTaskException e = failure("export function compute() { return require('fs') }");
        assertThat(e.getMessage()).isEqualTo("ReferenceError: require is not defined (at line 1)");
        assertHealthy();
    }

    @Test
    void staticImport_failsAtLoad() throws Exception {
        JsTaskException e = failure("import fs from 'fs';\nexport function compute() { return 1 }");
        assertThat(e.kind()).isEqualTo(JsTaskException.Kind.LOAD);
        assertThat(e.getMessage()).isEqualTo("the module failed to load: Error: Operation is not allowed for: fs");
        assertHealthy();
    }

    @Test
    void dynamicImport_fails() throws Exception {
        JsTaskException e = failure("export async function compute() { const m = await import('x'); return 1 }");
        assertThat(e.kind()).isEqualTo(JsTaskException.Kind.ERROR);
        assertThat(e.getMessage()).contains("Operation is not allowed for: x");
        assertHealthy();
    }

    @Test
    void loadAndPrint_cannotReadFiles() throws Exception {
        JsTaskException e = failure("export function compute() { return load('/etc/passwd') }");
        assertThat(e.kind()).isEqualTo(JsTaskException.Kind.ERROR);
        assertThat(e.getMessage()).contains("Operation is not allowed for: /etc/passwd");
        assertHealthy();
    }

    @Test
    void hugeArray_endsTheTaskAndTheJvmSurvives() throws Exception {
        JsModule m = JsRuntimeTest.module("export function compute() { return new Array(1e9).fill(0).length }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofSeconds(20)))
                .isInstanceOf(JsTaskException.class)
                .hasMessageStartingWith("out of memory")
                .extracting(e -> ((JsTaskException) e).kind())
                .isEqualTo(JsTaskException.Kind.RESOURCES);
        assertHealthy();
    }

    @Test
    void growingHeap_endsTheTaskAndTheJvmSurvives() throws Exception {
        JsModule m = JsRuntimeTest.module(
                "export function compute() { const a = []; for (;;) a.push(new Array(1e6).fill(1.5)); }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofSeconds(20)))
                .isInstanceOf(JsTaskException.class)
                .hasMessageStartingWith("out of memory");
        assertHealthy();
    }

    @Test
    void deepRecursion_isARangeError() throws Exception {
        JsTaskException e = failure("export function compute() { function f() { return f() } return f() }");
        assertThat(e.getMessage()).startsWith("RangeError: Maximum call stack size exceeded");
        assertHealthy();
    }

    @Test
    void hostGlobals_areAbsentOrInert() throws Exception {
        JsModule m = JsRuntimeTest.module(
                "export function compute() { return [typeof Polyglot, typeof require, typeof process, typeof setTimeout] }");
        assertThat(m.compute(json("1"), ctx("{}"), T))
                .isEqualTo(json("[\"undefined\",\"undefined\",\"undefined\",\"undefined\"]"));
    }

    @Test
    void hugeString_endsTheTaskAndTheJvmSurvives() throws Exception {
        JsModule m = JsRuntimeTest.module(
                "export function compute() { let s = 'x'; for (let i = 0; i < 40; i++) s = s + s; return s.length }");
        assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), Duration.ofSeconds(20)))
                .isInstanceOf(JsTaskException.class)
                .hasMessageContaining("Invalid string length");
        assertHealthy();
    }

    @Test
    void hugeOutput_isRejected() throws Exception {
        try (JsRuntime small = JsRuntime.create(JsOptions.defaults().withMaxOutputChars(100))) {
            JsModule m = small.module("big", "export function compute() { return 'x'.repeat(1000) }");
            assertThatThrownBy(() -> m.compute(json("1"), ctx("{}"), T))
                    .hasMessageContaining("more than the limit of 100")
                    .extracting(e -> ((JsTaskException) e).kind())
                    .isEqualTo(JsTaskException.Kind.OUTPUT);
        }
    }

    @Test
    void statementLimit_endsTheCallAndResetsPerCall() throws Exception {
        try (JsRuntime limited = JsRuntime.create(JsOptions.defaults().withStatementLimit(100_000))) {
            JsModule m = limited.module(
                    "limited",
                    "export function compute(n) { let s = 0; for (let k = 0; k < n; k++) { s += k; } return s }");
            // Each call stays under the limit; together they would not, so the count resets per call.
            for (int i = 0; i < 5; i++) {
                assertThat(m.compute(json("30000"), ctx("{}"), T).asLong()).isEqualTo(449_985_000L);
            }
            assertThatThrownBy(() -> m.compute(json("1000000000"), ctx("{}"), T))
                    .isInstanceOf(JsTaskException.class)
                    .hasMessageStartingWith("statement limit exceeded")
                    .extracting(e -> ((JsTaskException) e).kind())
                    .isEqualTo(JsTaskException.Kind.STATEMENT_LIMIT);
            assertThat(m.compute(json("10"), ctx("{}"), T).asLong()).isEqualTo(45);
        }
    }

    @Test
    void globalsChanged_byOneModuleDoNotLeakToAnother() throws Exception {
        JsModule a = JsRuntimeTest.module("globalThis.leak = 1; export function compute() { return 1 }");
        a.compute(json("1"), ctx("{}"), T);
        JsModule b = JsRuntimeTest.module("export function compute() { return typeof leak }");
        assertThat(b.compute(json("1"), ctx("{}"), T).asText()).isEqualTo("undefined");
    }

    @Test
    void replacingJsonStringify_doesNotBreakTheBoundary() throws Exception {
        JsModule m = JsRuntimeTest.module("JSON.stringify = () => 'hacked'; export function compute(i) { return {i} }");
        assertThat(m.compute(json("1"), ctx("{}"), T)).isEqualTo(json("{\"i\": 1}"));
    }
}
