package io.partita.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code partita submit JOB.json|MODULE.mjs}: submits a job spec, or a JavaScript module as the
 * job's inline code; with {@code --wait}, follows it to the end.
 */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Submit a job spec (JSON), or a JavaScript module (.mjs, .js) as the job's code, and print the job id.",
            "With --wait, show progress until the job ends and print its result to stdout."
        })
final class SubmitCommand extends JobCommand {
    @Parameters(
            index = "0",
            paramLabel = "JOB.json|MODULE.mjs",
            description = "The job spec file, or a JavaScript module (compute(input, ctx), docs/javascript.md)"
                    + " sent inline as the job's code.")
    Path spec;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            description = "Number of partitions (sets the spec's partitions; a module without prepare() needs it).")
    Integer partitions;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "Job name (default: the spec's, or the module's file name).")
    String name;

    @Override
    int run() throws Exception {
        ObjectNode job = isModule(spec) ? moduleSpec(spec) : readSpec(spec);
        if (partitions != null) {
            if (partitions < 1) {
                throw new CliException("--partitions must be at least 1, was " + partitions);
            }
            job.put("partitions", partitions);
        }
        if (name != null) {
            job.put("name", name);
        }
        Params.apply(job, params);
        CoordinatorClient c = client.client();
        JsonNode created = c.submit(job);
        return report(c, created);
    }

    static boolean isModule(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".mjs") || n.endsWith(".js");
    }

    /** A spec running {@code file} as inline JavaScript: name, code, empty params. */
    static ObjectNode moduleSpec(Path file) {
        String source;
        try {
            source = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException("module not found: " + file);
        } catch (IOException e) {
            throw new CliException("cannot read module " + file + ": " + CliException.describe(e), e);
        }
        ObjectNode job = CoordinatorClient.JSON.createObjectNode();
        String base = file.getFileName().toString();
        job.put("name", base.substring(0, base.lastIndexOf('.')));
        ObjectNode code = job.putObject("code");
        code.put("language", "js");
        code.put("source", source);
        job.putObject("params");
        return job;
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
