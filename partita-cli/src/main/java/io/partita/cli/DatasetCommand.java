package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code partita data upload|list|show|rm}: the coordinator's datasets. {@code dataset} is an alias
 * (the command's earlier name), and {@code delete} of {@code rm}.
 */
@Command(
        name = "data",
        aliases = "dataset",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Upload, list, show or remove datasets (for mapreduce and query).",
        subcommands = {
            DatasetCommand.Upload.class,
            DatasetCommand.List.class,
            DatasetCommand.Show.class,
            DatasetCommand.Delete.class
        })
final class DatasetCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                new picocli.CommandLine(this), "say what to do: partita data upload|list|show|rm");
    }

    /** {@code partita data upload FILE}: streams a file as a new dataset and prints its id. */
    @Command(
            name = "upload",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = "Upload a file as a dataset (streamed, split into line-aligned chunks); print its id.")
    static final class Upload extends CliCommand {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "FILE", description = "The file: text, CSV or JSON lines.")
        java.nio.file.Path file;

        @picocli.CommandLine.Option(
                names = "--name",
                paramLabel = "NAME",
                description = "Dataset name (default: the file name without its extension).")
        String name;

        @picocli.CommandLine.Option(
                names = "--format",
                paramLabel = "FORMAT",
                description = "text, csv or jsonl (default: from the extension: .csv csv, .jsonl/.ndjson jsonl,"
                        + " else text).")
        String format;

        @Override
        int run() {
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw new CliException("file not found: " + file);
            }
            String base = file.getFileName().toString();
            int dot = base.lastIndexOf('.');
            String ext = dot < 0 ? "" : base.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
            String f = format != null
                    ? format
                    : switch (ext) {
                        case "csv" -> "csv";
                        case "jsonl", "ndjson" -> "jsonl";
                        default -> "text";
                    };
            String n = name != null ? name : (dot <= 0 ? base : base.substring(0, dot));
            JsonNode d = client.client().upload(file, n, f);
            out().println(d.path("id").asText());
            out().flush();
            return 0;
        }
    }

    /** {@code partita data show ID}: one dataset's description. */
    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = "Show a dataset: status, format, columns, size, splits.")
    static final class Show extends CliCommand {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "ID", description = "Dataset id.")
        String id;

        @picocli.CommandLine.Option(names = "--json", description = "Print the coordinator's JSON.")
        boolean json;

        @Override
        int run() throws Exception {
            JsonNode d = client.client().get("api/datasets/" + CoordinatorClient.segment(id));
            if (json) {
                out().println(CoordinatorClient.JSON
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(d));
            } else {
                print(d);
            }
            out().flush();
            return 0;
        }

        void print(JsonNode d) {
            out().printf("%-8s %s%n", "id:", d.path("id").asText());
            out().printf("%-8s %s%n", "name:", d.path("name").asText());
            out().printf("%-8s %s%n", "status:", d.path("status").asText());
            out().printf("%-8s %s%n", "format:", d.path("format").asText());
            if (d.path("columns").isArray() && !d.path("columns").isEmpty()) {
                java.util.List<String> cols = new java.util.ArrayList<>();
                d.path("columns").forEach(c -> cols.add(c.asText()));
                out().printf("%-8s %s%n", "columns:", String.join(", ", cols));
            }
            out().printf(
                            "%-8s %d bytes, %d lines, %d splits%n",
                            "size:",
                            d.path("bytes").asLong(),
                            d.path("lines").asLong(),
                            d.path("splits").asLong());
            if (d.hasNonNull("error")) {
                out().printf(
                                "%-8s %s%n",
                                "error:", JobCommand.oneLine(d.get("error").asText()));
            }
        }
    }

    /** {@code partita dataset list}: one line per dataset, id, status, bytes and name. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = "List datasets: id, status, bytes, name.")
    static final class List extends CliCommand {
        @Mixin
        ClientOptions client;

        @Override
        int run() {
            for (JsonNode d : client.client().datasets().path("items")) {
                out().println(d.path("id").asText() + " " + d.path("status").asText() + " "
                        + d.path("bytes").asLong() + " " + d.path("name").asText());
            }
            out().flush();
            return 0;
        }
    }

    /** {@code partita data rm ID} (or {@code delete}): deletes a dataset and its data. */
    @Command(
            name = "rm",
            aliases = "delete",
            mixinStandardHelpOptions = true,
            versionProvider = Main.Version.class,
            description = "Delete a dataset and its data; refused while a running data job reads it.")
    static final class Delete extends CliCommand {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "ID", description = "Dataset id.")
        String id;

        @Override
        int run() {
            JsonNode out = client.client().deleteDataset(id);
            out().println(out.path("id").asText(id) + " deleted");
            out().flush();
            return 0;
        }
    }
}
