package io.partita.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code partita submit JOB.json}: submits a job spec; with {@code --wait}, follows it to the end.
 */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Submit a job spec (JSON) and print the job id.",
            "With --wait, show progress until the job ends and print its result to stdout."
        })
final class SubmitCommand extends JobCommand {
    @Parameters(index = "0", paramLabel = "JOB.json", description = "The job spec file.")
    Path spec;

    @Override
    int run() throws Exception {
        ObjectNode job = readSpec(spec);
        Params.apply(job, params);
        CoordinatorClient c = client.client();
        JsonNode created = c.submit(job);
        return report(c, created);
    }

    static ObjectNode readSpec(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CliException("job spec not found: " + file);
        } catch (IOException e) {
            throw new CliException("cannot read job spec " + file + ": " + e.getMessage(), e);
        }
        JsonNode node;
        try {
            node = CoordinatorClient.JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CliException(
                    "job spec "
                            + file
                            + " is not valid JSON (line "
                            + e.getLocation().getLineNr()
                            + ", column "
                            + e.getLocation().getColumnNr()
                            + "): "
                            + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new CliException("cannot read job spec " + file + ": " + e.getMessage(), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new CliException("job spec " + file + " must be a JSON object");
        }
        return object;
    }
}
