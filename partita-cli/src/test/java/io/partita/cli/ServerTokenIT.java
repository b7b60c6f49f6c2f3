package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The safe default without friction (docs/security.md), with a real {@code partita server}
 * process: it binds the loopback interface, writes its admin token with mode 0600, and the CLI on
 * the same machine works without a token flag; its local worker runs jobs; tokens made with
 * {@code partita token create} have their role.
 */
@Timeout(180)
class ServerTokenIT {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void server_writesAdminToken0600_andTheCliNeedsNoTokenFlag(@TempDir Path dir) throws Exception {
        String lib = System.getProperty("partita.dist.lib");
        assertThat(lib).as("system property partita.dist.lib").isNotNull();
        Path data = dir.resolve("data");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        BotsCommand.javaBinary(),
                        "-cp",
                        Path.of(lib).resolve("*").toString(),
                        Main.class.getName(),
                        "server",
                        "--port",
                        "0",
                        "--local-workers",
                        "1",
                        "--data",
                        data.toString()))
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().remove("PARTITA_TOKEN");
        Process server = pb.start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> urlLine = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        if (line.contains("listening on")) {
                            return line;
                        }
                    }
                    return "";
                } catch (java.io.IOException e) {
                    return "";
                }
            });
            String line = urlLine.get(60, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("http://([^/]+):(\\d+)/").matcher(line);
            assertThat(m.find()).as(line).isTrue();
            // the default interface is the loopback one
            assertThat(m.group(1)).isIn("127.0.0.1", "localhost");
            String url = "http://127.0.0.1:" + m.group(2);

            Path tokenFile = data.resolve("admin-token");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                    .isEqualTo("rw-------");
            String adminToken = Files.readString(tokenFile).strip();
            assertThat(adminToken).startsWith("pt_");

            // no --token, no PARTITA_TOKEN: the CLI finds the server's token on this machine
            Run status = run("status", "--coordinator", url);
            assertThat(status.code()).as(status.err()).isZero();

            // the local worker process (given the local token on its stdin) runs a job to the end
            Path spec = dir.resolve("pi.json");
            Files.writeString(
                    spec,
                    "{\"function\": \"examples/pi\", \"partitions\": 4, \"params\": {\"samples\": 1000, \"seed\": 1}}");
            Run submit = run("submit", spec.toString(), "--wait", "--coordinator", url);
            assertThat(submit.code()).as(submit.err()).isZero();
            assertThat(submit.out()).isNotBlank();

            Run created = run("token", "create", "--user", "vera", "--role", "viewer", "--coordinator", url);
            assertThat(created.code()).as(created.err()).isZero();
            String viewer = created.out().strip();
            assertThat(viewer).startsWith("pt_");
            Run list = run("token", "list", "--coordinator", url);
            assertThat(list.out())
                    .contains("vera")
                    .contains("viewer")
                    .doesNotContain(viewer)
                    .doesNotContain(adminToken);

            Run refused = run("submit", spec.toString(), "--coordinator", url, "--token", viewer);
            assertThat(refused.code()).isNotZero();
            assertThat(refused.err()).contains("role viewer may not");
            Run viewing = run("status", "--coordinator", url, "--token", viewer);
            assertThat(viewing.code()).as(viewing.err()).isZero();
            Run wrong = run("status", "--coordinator", url, "--token", "pt_wrong");
            assertThat(wrong.code()).isNotZero();
            assertThat(wrong.err()).contains("unknown, revoked or expired").contains("--token");
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
    }
}
