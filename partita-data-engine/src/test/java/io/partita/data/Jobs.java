package io.partita.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs a query over a dataset's splits, map side then reduce side, in Java or in engine.js. */
final class Jobs {
    private Jobs() {}

    /** What a query job produced: each map task's run and counters, the final output and all counters. */
    record Result(List<String> runs, List<String> mapCounters, String output, String reduceCounters) {}

    static Result java(QueryPlan plan, TestData.Dataset d, boolean skip, int splitSize) throws Exception {
        List<String> runs = new ArrayList<>();
        List<byte[]> runBytes = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        for (TestData.Split s : d.splits(splitSize)) {
            MapOutput out =
                    plan.map(d.bytes(), s.offset(), s.length(), d.info(skip).withFirstLine(s.firstLine()));
            runBytes.add(out.runs().get(0));
            runs.add(new String(out.runs().get(0), StandardCharsets.UTF_8));
            counters.add(out.counters().toJson().toString());
        }
        if (plan.reducers() == 0) {
            return new Result(runs, counters, String.join("", runs), null);
        }
        ReduceOutput out = plan.reduce(runBytes);
        return new Result(
                runs,
                counters,
                new String(out.output(), StandardCharsets.UTF_8),
                out.counters().toJson().toString());
    }

    static Result js(JsEngine js, QueryPlan plan, TestData.Dataset d, boolean skip, int splitSize) {
        JsonNode planJson = plan.toJson();
        List<String> runs = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        for (TestData.Split s : d.splits(splitSize)) {
            ObjectNode info = d.info(skip).toJson();
            info.put("firstLine", s.firstLine());
            JsonNode out = js.queryMap(d.text(s), info, planJson);
            runs.add(out.get("runs").get(0).textValue());
            counters.add(out.get("counters").toString());
        }
        if (plan.reducers() == 0) {
            return new Result(runs, counters, String.join("", runs), null);
        }
        JsonNode out = js.queryReduce(runs, planJson);
        return new Result(
                runs,
                counters,
                out.get("output").textValue(),
                out.get("counters").toString());
    }
}
