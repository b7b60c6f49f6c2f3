package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code partita cancel ID}: cancels a job. */
@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Cancel a job; prints its id and resulting status.")
final class CancelCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Job id.")
    String id;

    @Override
    int run() {
        JsonNode job = client.client().cancel(id);
        out().println(job.path("id").asText(id) + " " + job.path("status").asText("cancelled"));
        out().flush();
        return 0;
    }
}
