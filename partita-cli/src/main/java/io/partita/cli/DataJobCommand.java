package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command that creates a data job ({@code mapreduce}, {@code query}): prints its id and, with
 * {@code --wait}, follows its phases on stderr and prints its output (JSON lines) to stdout.
 */
abstract class DataJobCommand extends CliCommand {
    private static final long POLL_MILLIS = 250;

    @Mixin
    ClientOptions client;

    @Option(
            names = {"-w", "--wait"},
            description = "Wait for the job to end and print its output (JSON lines).")
    boolean await;

    /** {@code mapreduce} or {@code queries}: the API collection. */
    abstract String collection();

    abstract ObjectNode spec();

    @Override
    int run() throws Exception {
        CoordinatorClient c = client.client();
        JsonNode created = c.post("api/" + collection(), spec());
        String id = created.path("id").asText(null);
        if (id == null) {
            throw new CliException("coordinator answered without an id: " + created);
        }
        out().println(id);
        out().flush();
        if (!await) {
            return 0;
        }
        String phase = "";
        while (true) {
            JsonNode job = c.get("api/" + collection() + "/" + CoordinatorClient.segment(id));
            String status = job.path("status").asText();
            String now = job.path("phase").asText(status);
            if (!now.equals(phase)) {
                phase = now;
                err().println(kind() + " " + id + ": " + phase);
                err().flush();
            }
            if (status.equals("done")) {
                break;
            }
            if (JobCommand.TERMINAL.contains(status)) {
                String error = job.path("error").asText("");
                throw new CliException(
                        kind() + " " + id + " " + status + (error.isBlank() ? "" : ": " + JobCommand.oneLine(error)));
            }
            Thread.sleep(POLL_MILLIS);
        }
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        c.stream("api/" + collection() + "/" + CoordinatorClient.segment(id) + "/output", output);
        out().print(output.toString(java.nio.charset.StandardCharsets.UTF_8));
        out().flush();
        return 0;
    }

    String kind() {
        return collection().equals("queries") ? "query" : collection();
    }

    /** {@code partita mapreduce DATASET --function NAME | --code MODULE.mjs}. */
    @Command(
            name = "mapreduce",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = {
                "Run a MapReduce job over a dataset with a Java function or a JavaScript module; print its id.",
                "With --wait, print its output: JSON lines {\"key\": k, \"value\": v}."
            })
    static final class MapReduce extends DataJobCommand {
        @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset id (partita data list).")
        String dataset;

        @Option(
                names = "--function",
                paramLabel = "NAME",
                description = "A Java MapReduceFunction, e.g. examples/wordcount.")
        String function;

        @Option(
                names = "--code",
                paramLabel = "MODULE.mjs",
                description = "A JavaScript module exporting map, reduce and optionally combine.")
        Path code;

        @Option(
                names = "--reducers",
                paramLabel = "N",
                description = "Reduce partitions (default: the coordinator's, 2).")
        Integer reducers;

        @Option(names = "--name", paramLabel = "NAME", description = "Job name.")
        String name;

        @Override
        String collection() {
            return "mapreduce";
        }

        @Override
        ObjectNode spec() {
            if ((function == null) == (code == null)) {
                throw new CliException("mapreduce needs exactly one of --function NAME and --code MODULE.mjs");
            }
            ObjectNode s = CoordinatorClient.JSON.createObjectNode();
            s.put("dataset", dataset);
            if (function != null) {
                s.put("function", function);
            } else {
                s.put("code", read(code, "module"));
            }
            if (reducers != null) {
                s.put("reducers", reducers);
            }
            if (name != null) {
                s.put("name", name);
            }
            return s;
        }
    }

    /** {@code partita query DATASET [--where ...] [--group-by ...] [--agg ...]}: a query job. */
    @Command(
            name = "query",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = {
                "Run a query job (filter, group, aggregate, order; no code) over a dataset; print its id.",
                "With --wait, print its rows as JSON lines. See docs/data.md for the semantics."
            })
    static final class Query extends DataJobCommand {
        @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset id (partita data list).")
        String dataset;

        @Option(
                names = "--spec",
                paramLabel = "QUERY.json",
                description = "A query as JSON (e.g. examples/data/filter-by.json); the options below add to it.")
        Path spec;

        @Option(
                names = "--where",
                paramLabel = "COL=VALUE",
                description = "Keep rows whose column equals the value (repeatable; all must hold).")
        List<String> where = new ArrayList<>();

        @Option(names = "--select", paramLabel = "COL", split = ",", description = "Output these columns.")
        List<String> select = new ArrayList<>();

        @Option(names = "--group-by", paramLabel = "COL", split = ",", description = "Group by these columns.")
        List<String> groupBy = new ArrayList<>();

        @Option(
                names = "--agg",
                paramLabel = "FN:COL",
                description = "An aggregate, e.g. sum:amount, avg:amount, count (repeatable); named FN_COL.")
        List<String> aggregates = new ArrayList<>();

        @Option(
                names = "--order-by",
                paramLabel = "COL[:desc]",
                description = "Order by a column, descending with :desc (repeatable).")
        List<String> orderBy = new ArrayList<>();

        @Option(names = "--limit", paramLabel = "N", description = "At most N rows.")
        Integer limit;

        @Override
        String collection() {
            return "queries";
        }

        @Override
        ObjectNode spec() {
            ObjectNode s;
            if (spec != null) {
                try {
                    JsonNode n = CoordinatorClient.JSON.readTree(read(spec, "query"));
                    if (!(n instanceof ObjectNode o)) {
                        throw new CliException("query " + spec + " must be a JSON object");
                    }
                    s = o;
                } catch (IOException e) {
                    throw new CliException("query " + spec + " is not valid JSON: " + CliException.describe(e), e);
                }
            } else {
                s = CoordinatorClient.JSON.createObjectNode();
            }
            s.put("dataset", dataset);
            for (String w : where) {
                int eq = w.indexOf('=');
                if (eq <= 0) {
                    throw new CliException("--where must be COL=VALUE, was '" + w + "'");
                }
                ArrayNode list = s.has("where") ? (ArrayNode) s.get("where") : s.putArray("where");
                list.addObject()
                        .put("column", w.substring(0, eq))
                        .put("op", "=")
                        .put("value", w.substring(eq + 1));
            }
            if (!select.isEmpty()) {
                ArrayNode a = s.putArray("select");
                select.forEach(a::add);
            }
            if (!groupBy.isEmpty()) {
                ArrayNode a = s.putArray("groupBy");
                groupBy.forEach(a::add);
            }
            for (String agg : aggregates) {
                ArrayNode list = s.has("aggregates") ? (ArrayNode) s.get("aggregates") : s.putArray("aggregates");
                int colon = agg.indexOf(':');
                ObjectNode a = list.addObject();
                if (colon < 0) {
                    a.put("fn", agg.toLowerCase(Locale.ROOT));
                } else if (colon == 0 || colon == agg.length() - 1) {
                    throw new CliException("--agg must be FN:COL or FN, was '" + agg + "'");
                } else {
                    a.put("fn", agg.substring(0, colon).toLowerCase(Locale.ROOT));
                    a.put("column", agg.substring(colon + 1));
                }
            }
            for (String o : orderBy) {
                ArrayNode list = s.has("orderBy") ? (ArrayNode) s.get("orderBy") : s.putArray("orderBy");
                boolean desc = o.toLowerCase(Locale.ROOT).endsWith(":desc");
                boolean asc = o.toLowerCase(Locale.ROOT).endsWith(":asc");
                String col = desc || asc ? o.substring(0, o.lastIndexOf(':')) : o;
                if (col.isEmpty()) {
                    throw new CliException("--order-by must be COL, COL:asc or COL:desc, was '" + o + "'");
                }
                list.addObject().put("column", col).put("desc", desc);
            }
            if (limit != null) {
                s.put("limit", limit);
            }
            return s;
        }
    }

    static String read(Path file, String what) {
        Objects.requireNonNull(file);
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(what + " not found: " + file);
        } catch (IOException e) {
            throw new CliException("cannot read " + what + " " + file + ": " + CliException.describe(e), e);
        }
    }
}
