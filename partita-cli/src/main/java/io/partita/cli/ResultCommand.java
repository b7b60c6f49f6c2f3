package io.partita.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code partita result ID [-o FILE]}: the result of a finished job. */
@Command(
        name = "result",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Print a finished job's result JSON, or write it to a file.",
            "Fails when the job is unknown or not done yet."
        })
final class ResultCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Job id.")
    String id;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write the result to FILE instead of stdout.")
    Path output;

    @Override
    int run() throws Exception {
        CoordinatorClient c = client.client();
        if (output == null) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            c.result(id, buffer);
            String text = buffer.toString(StandardCharsets.UTF_8);
            out().print(text);
            if (!text.endsWith("\n")) {
                out().println();
            }
            out().flush();
            return 0;
        }
        // Stream into a temporary file beside the target, then move it: no half-written results.
        Path target = output.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        } catch (IOException e) {
            throw new CliException("cannot write " + output + ": " + e.getMessage(), e);
        }
        boolean ok = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                c.result(id, out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            ok = true;
        } catch (IOException e) {
            throw new CliException("cannot write " + output + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
        err().println("wrote " + output + " (" + Files.size(target) + " bytes)");
        err().flush();
        return 0;
    }
}
