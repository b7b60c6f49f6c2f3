package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code partita delete ID}: deletes a finished job and everything stored of it. */
@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Delete a finished job: its results, inputs and event log. Cancel a running job first.")
final class DeleteCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Job id.")
    String id;

    @Override
    int run() {
        JsonNode out = client.client().deleteJob(id);
        out().println(out.path("id").asText(id) + " deleted");
        out().flush();
        return 0;
    }
}
