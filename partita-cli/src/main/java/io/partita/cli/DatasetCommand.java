package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code partita dataset list|delete}: the coordinator's datasets. */
@Command(
        name = "dataset",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "List or delete datasets.",
        subcommands = {DatasetCommand.List.class, DatasetCommand.Delete.class})
final class DatasetCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                new picocli.CommandLine(this), "say what to do: partita dataset list, or partita dataset delete ID");
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

    /** {@code partita dataset delete ID}: deletes a dataset and its data. */
    @Command(
            name = "delete",
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
