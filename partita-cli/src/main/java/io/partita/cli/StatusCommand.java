package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code partita status [ID]}: the list of jobs, or one thing by its id: a job, a dataset ({@code
 * ds-...}), a MapReduce or query job, or an asynchronous grid call. An id that is not a job is looked
 * up as the others in turn; ids are unique across kinds, so at most one answers.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Show one job's status, or list the jobs when no ID is given.",
            "ID may also be a dataset, a MapReduce or query job, or a grid call."
        })
final class StatusCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "ID",
            description = "Job, dataset, MapReduce, query or call id.")
    String id;

    @Option(names = "--json", description = "Print the coordinator's JSON, pretty-printed.")
    boolean json;

    @Option(names = "--limit", defaultValue = "50", description = "Jobs to list (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(
            names = "--offset",
            defaultValue = "0",
            description = "Jobs to skip when listing (default ${DEFAULT-VALUE}).")
    int offset;

    @Override
    int run() throws Exception {
        CoordinatorClient c = client.client();
        if (id != null) {
            Found found = find(c, id);
            JsonNode job = found.node();
            if (json) {
                out().println(CoordinatorClient.JSON
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(job));
            } else {
                switch (found.kind()) {
                    case "job" -> printJob(job);
                    case "dataset" -> {
                        DatasetCommand.Show show = new DatasetCommand.Show();
                        show.spec = spec;
                        show.print(job);
                    }
                    default -> printOther(found.kind(), job);
                }
            }
        } else {
            if (limit < 1 || offset < 0) {
                throw new CliException("--limit must be at least 1 and --offset at least 0");
            }
            JsonNode page = c.jobs(offset, limit);
            if (json) {
                out().println(CoordinatorClient.JSON
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(page));
            } else {
                printList(page);
            }
        }
        out().flush();
        return 0;
    }

    /** What an id named, and the coordinator's description of it. */
    record Found(String kind, JsonNode node) {}

    /** Looks {@code id} up as a job, then a MapReduce job, a query, a call; {@code ds-} ids as datasets. */
    static Found find(CoordinatorClient c, String id) {
        String seg = CoordinatorClient.segment(id);
        if (id.startsWith("ds-")) {
            return new Found("dataset", c.get("api/datasets/" + seg));
        }
        try {
            return new Found("job", c.job(id));
        } catch (CoordinatorClient.HttpError e) {
            if (e.status() != 404 || !e.fromCoordinator()) {
                throw e; // a wrong --coordinator answers 404 too, but not with the coordinator's JSON
            }
        }
        for (String[] kind : new String[][] {{"mapreduce", "mapreduce"}, {"query", "queries"}, {"call", "calls"}}) {
            try {
                return new Found(kind[0], c.get("api/" + kind[1] + "/" + seg));
            } catch (CoordinatorClient.HttpError e) {
                if ((e.status() != 404 && e.status() != 400) || !e.fromCoordinator()) {
                    throw e;
                }
            }
        }
        throw new CliException("no job, dataset, MapReduce or query job, or call with id '" + id + "'");
    }

    private void printOther(String kind, JsonNode n) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("id", text(n, "id")));
        rows.add(row("kind", kind));
        for (String field : List.of("name", "function", "dataset", "status", "phase", "reducers", "cached")) {
            if (n.hasNonNull(field)) {
                rows.add(row(field, text(n, field)));
            }
        }
        JsonNode counters = n.path("counters");
        if (counters.isObject() && !counters.isEmpty()) {
            rows.add(row("counters", counters.toString()));
        }
        if (n.hasNonNull("result")) {
            rows.add(row("result", n.get("result").toString()));
        }
        if (n.hasNonNull("error")) {
            rows.add(row("error", JobCommand.oneLine(n.get("error").asText())));
        }
        for (String[] r : rows) {
            out().printf("%-9s %s%n", r[0] + ":", r[1]);
        }
    }

    private void printJob(JsonNode job) {
        JsonNode counts = job.path("counts");
        List<String[]> rows = new ArrayList<>();
        rows.add(row("id", text(job, "id")));
        rows.add(row("name", text(job, "name")));
        rows.add(row("function", text(job, "function")));
        rows.add(row("status", text(job, "status")));
        rows.add(row("progress", Progress.bar(job, 20)));
        rows.add(row(
                "tasks",
                String.format(
                        Locale.ROOT,
                        "%d pending, %d running, %d done, %d failed, %d retried",
                        counts.path("pending").asLong(),
                        counts.path("running").asLong(),
                        counts.path("done").asLong(),
                        counts.path("failed").asLong(),
                        counts.path("retried").asLong())));
        rows.add(row("created", text(job, "createdAt")));
        if (job.hasNonNull("finishedAt")) {
            rows.add(row("finished", text(job, "finishedAt")));
        }
        if (job.hasNonNull("error")) {
            rows.add(row("error", JobCommand.oneLine(job.get("error").asText())));
        }
        for (String[] r : rows) {
            out().printf("%-9s %s%n", r[0] + ":", r[1]);
        }
    }

    private void printList(JsonNode page) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "NAME", "FUNCTION", "STATUS", "DONE", "PARTITIONS", "CREATED"});
        for (JsonNode job : page.path("items")) {
            rows.add(new String[] {
                text(job, "id"),
                text(job, "name"),
                text(job, "function"),
                text(job, "status"),
                Long.toString(Progress.done(job)),
                Long.toString(Progress.total(job)),
                text(job, "createdAt")
            });
        }
        out().print(table(rows));
        long total = page.path("total").asLong(rows.size() - 1);
        if (total > rows.size() - 1) {
            out().printf(
                            "(%d-%d of %d jobs; use --offset/--limit for more)%n",
                            page.path("offset").asLong() + 1,
                            page.path("offset").asLong() + rows.size() - 1,
                            total);
        } else if (rows.size() == 1) {
            out().println("(no jobs)");
        }
    }

    /** Formats rows as left-aligned columns separated by two spaces. */
    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                line.append(r[i]);
                if (i < cols - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            b.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static String[] row(String k, String v) {
        return new String[] {k, v};
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "-" : v.asText();
    }
}
