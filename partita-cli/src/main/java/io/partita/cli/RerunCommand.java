package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code partita rerun ID --param k=v}: a new job like an old one, with changed params. */
@Command(
        name = "rerun",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Run a job again as a new job linked to the old one, with params changed by --param.",
            "With --wait, show progress until the new job ends and print its result to stdout."
        })
final class RerunCommand extends JobCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The job to run again.")
    String id;

    @Override
    int run() throws Exception {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("params");
        Params.apply(body, params);
        CoordinatorClient c = client.client();
        JsonNode created = c.rerun(id, body);
        return report(c, created);
    }
}
