package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * engine.js in a GraalJS context, called with JSON text both ways the way a Java worker does. Not
 * thread-safe: one per test class.
 */
final class JsEngine implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Context context;
    private final Value queryMap;
    private final Value queryReduce;
    private final Value map;
    private final Value reduce;
    private final Value reducer;
    private final Value eval;

    JsEngine() {
        context = Context.newBuilder("js")
                .option("engine.WarnInterpreterOnly", "false")
                .build();
        context.eval(Source.create("js", source()));
        queryMap = fn("(t, i, p) => JSON.stringify(PartitaData.queryMap(t, JSON.parse(i), JSON.parse(p)))");
        queryReduce = fn("(r, p) => JSON.stringify(PartitaData.queryReduce(JSON.parse(r), JSON.parse(p)))");
        map = fn(
                "(t, i, code, r) => JSON.stringify(PartitaData.map(t, JSON.parse(i), (0, eval)('(' + code + ')'), r))");
        reduce = fn("(r, code) => JSON.stringify(PartitaData.reduce(JSON.parse(r), (0, eval)('(' + code + ')')))");
        reducer = fn("(k, r) => PartitaData.reducer(k, r)");
        eval = fn("(code) => String((0, eval)(code))");
    }

    static String source() {
        try (InputStream in = JsEngine.class.getResourceAsStream("/io/partita/data/engine.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Value fn(String code) {
        return context.eval("js", code);
    }

    /** The result of a JavaScript expression, as a string. */
    String eval(String code) {
        return eval.execute(code).asString();
    }

    /** Applies a JavaScript function of one string argument to each input. */
    List<String> apply(String fnCode, List<String> inputs) {
        try {
            Value f = context.eval("js", "(xs) => JSON.stringify(JSON.parse(xs).map(" + fnCode + "))");
            JsonNode out =
                    MAPPER.readTree(f.execute(MAPPER.writeValueAsString(inputs)).asString());
            List<String> result = new ArrayList<>();
            out.forEach(n -> result.add(n.asText()));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode queryMap(String text, JsonNode info, JsonNode plan) {
        return call(queryMap, text, info.toString(), plan.toString());
    }

    JsonNode queryReduce(List<String> runs, JsonNode plan) {
        return call(queryReduce, json(runs), plan.toString());
    }

    JsonNode map(String text, JsonNode info, String fnsCode, int reducers) {
        return call(map, text, info.toString(), fnsCode, reducers);
    }

    JsonNode reduce(List<String> runs, String fnsCode) {
        return call(reduce, json(runs), fnsCode);
    }

    int reducer(String keyText, int reducers) {
        return reducer.execute(keyText, reducers).asInt();
    }

    private static String json(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode call(Value f, Object... args) {
        try {
            return MAPPER.readTree(f.execute(args).asString());
        } catch (PolyglotException e) {
            String m = e.getMessage();
            throw new JsError(m != null && m.startsWith("Error: ") ? m.substring(7) : m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An error thrown by the engine, with its message. */
    static final class JsError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JsError(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        context.close();
    }
}
