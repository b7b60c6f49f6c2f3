package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command tree and the error conventions, without a coordinator. */
class MainTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void help_listsEveryCommand() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains(
                        "server",
                        "worker",
                        "bots",
                        "submit",
                        "status",
                        "result",
                        "cancel",
                        "group",
                        "data",
                        "mapreduce",
                        "query",
                        "call",
                        "workers");
    }

    @Test
    void version_printsPartita() {
        Run r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("partita ");
    }

    @Test
    void unknownCommand_usageErrorWithSuggestion() {
        Run r = run("stat");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("partita: ").contains("status");
    }

    @Test
    void status_unreachableCoordinator_oneLine() {
        // Port 1 on loopback: nothing listens there.
        Run r = run("status", "--coordinator", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("partita: cannot reach coordinator at http://127.0.0.1:1/");
    }

    @Test
    void groupJoin_unreachableOrMissingDatabase_oneLine() {
        Run refused = run(
                "group", "join", "--db", "jdbc:postgresql://127.0.0.1:1/nope", "123e4567-e89b-12d3-a456-426614174000");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err().lines()).hasSize(1);
        assertThat(refused.err())
                .startsWith("partita: cannot join group 123e4567-e89b-12d3-a456-426614174000 in"
                        + " jdbc:postgresql://127.0.0.1:1/nope: ")
                .contains("refused");
        // the PostgreSQL server of the build (docs: .ci/run starts it), without such a database
        Run missing = run(
                "group",
                "join",
                "--db",
                "jdbc:postgresql://127.0.0.1:5432/no_such_database",
                "123e4567-e89b-12d3-a456-426614174000");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().lines()).hasSize(1);
        assertThat(missing.err()).startsWith("partita: cannot join group").contains("no_such_database");
    }

    @Test
    void submit_missingSpec_oneLine() {
        Run r = run("submit", "/nonexistent/job.json", "--coordinator", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("partita: job spec not found: /nonexistent/job.json" + System.lineSeparator());
    }

    @Test
    void submit_invalidJson_namesLine(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("bad.json");
        Files.writeString(spec, "{\n  \"name\": \"x\",\n  oops\n}");
        Run r = run("submit", spec.toString(), "--coordinator", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("not valid JSON").contains("line 3");
    }

    @Test
    void submit_badParam_oneLineBeforeContactingCoordinator(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("job.json");
        Files.writeString(spec, "{\"function\":\"examples/noop\",\"partitions\":1}");
        Run r = run("submit", spec.toString(), "--param", "novalue", "--coordinator", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: --param must be key=value");
    }

    @Test
    void worker_badIdleExit_usageError() {
        Run r = run("worker", "--coordinator", "http://127.0.0.1:1", "--idle-exit", "5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("invalid duration '5'");
    }

    @Test
    void worker_idleExitShortSyntax_accepted() {
        WorkerCommand worker = new WorkerCommand();
        new CommandLine(worker).parseArgs("--coordinator", "http://h:1", "--idle-exit", "30s");
        assertThat(worker.idleExit).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void groupJoin_heartbeatShortSyntax_accepted() {
        assertThat(GroupCommand.Join.parseDuration("--heartbeat", "30s")).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(GroupCommand.Join.parseDuration("--heartbeat", "PT30S")).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void groupJoin_badHeartbeat_namesOptionAndValue() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GroupCommand.Join.parseDuration("--heartbeat", "soon"))
                .hasMessage("--heartbeat must be a duration such as 30s, 5m, 250ms, 2h or ISO-8601 PT30S, was 'soon'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GroupCommand.Join.parseDuration("--heartbeat", "0s"))
                .hasMessage("--heartbeat must be positive, was '0s'");
    }

    @Test
    void worker_badCoordinatorUrl_oneLine() {
        Run r = run("worker", "--coordinator", "ftp://x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: --coordinator must be an http://");
    }

    @Test
    void bots_countOutOfRange_oneLine() {
        Run r = run("bots", "--coordinator", "http://127.0.0.1:1", "--count", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: --count must be between 1 and 10000, was 0");
    }

    @Test
    void bots_command_runsWorkerWithSameClassPath() {
        BotsCommand bots = new BotsCommand();
        new CommandLine(bots)
                .parseArgs("--coordinator", "http://h:1", "--count", "2", "--idle-exit", "2s", "--slots-per-bot", "3");
        assertThat(bots.command("bot-2"))
                .contains("-cp", System.getProperty("java.class.path"), Main.class.getName(), "worker")
                .containsSequence("--coordinator", "http://h:1")
                .containsSequence("--slots", "3")
                .containsSequence("--idle-exit", "2000ms")
                .containsSequence("--name", "bot-2");
    }

    @Test
    void server_badPort_usageError() {
        Run r = run("server", "--port", "x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("partita: Invalid value for option '--port'");
    }

    @Test
    void server_badBoundOptions_oneLineNamingTheOption() {
        Run fetch = run("server", "--allow-fetch", "10.0.0.0/33", "--local-workers", "0", "--port", "0");
        assertThat(fetch.code()).isEqualTo(1);
        assertThat(fetch.err())
                .isEqualTo("partita: allow-fetch block '10.0.0.0/33' has a bad prefix length" + System.lineSeparator());
        Run upload = run("server", "--max-upload", "lots", "--local-workers", "0", "--port", "0");
        assertThat(upload.code()).isEqualTo(1);
        assertThat(upload.err()).startsWith("partita: --max-upload must be a size");
        Run hello = run("server", "--hello-timeout", "1ms", "--local-workers", "0", "--port", "0");
        assertThat(hello.code()).isEqualTo(1);
        assertThat(hello.err()).startsWith("partita: hello-timeout must be at least 10ms");
        Run heap = run("server", "--local-worker-heap", "lots", "--port", "0");
        assertThat(heap.code()).isEqualTo(1);
        assertThat(heap.err()).startsWith("partita: --local-worker-heap must be a size");
        Run small = run("server", "--local-worker-heap", "1MiB", "--port", "0");
        assertThat(small.code()).isEqualTo(1);
        assertThat(small.err())
                .isEqualTo("partita: local-worker-heap must be at least 64MiB, was 1048576 bytes"
                        + System.lineSeparator());
    }

    @Test
    void help_everyCommandAndSubcommand_printsUsageAndExitsZero() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), List.of(), paths);
        // The top level, the nine commands, help, and group join: a registered command cannot be missed.
        assertThat(paths).hasSizeGreaterThanOrEqualTo(12);
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                Run r = run(args.toArray(String[]::new));
                String shown = String.join(" ", args);
                assertThat(r.code())
                        .as(shown + " exit code; stderr: " + r.err())
                        .isZero();
                String usage = ("Usage: partita " + String.join(" ", path)).strip();
                assertThat(r.out().lines()).as(shown).anyMatch(line -> line.startsWith(usage));
            }
        }
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> paths) {
        paths.add(path);
        for (var sub : cmd.getSubcommands().entrySet()) {
            if (!sub.getKey().equals(sub.getValue().getCommandName())) {
                continue; // an alias (data: dataset; rm: delete), the same command
            }
            List<String> child = new ArrayList<>(path);
            child.add(sub.getKey());
            collect(sub.getValue(), child, paths);
        }
    }

    @Test
    void worker_classpathEntryMissing_oneLineNamingTheEntry(@TempDir Path dir) {
        String missing = dir.resolve("nope.jar").toString();
        Run r = run("worker", "--coordinator", "http://127.0.0.1:1", "--classpath", missing);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("partita: --classpath entry '" + missing + "' does not exist" + System.lineSeparator());
    }

    @Test
    void bots_classpathNotAJar_oneLineBeforeStartingBots(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("functions.txt"), "x");
        Run r = run("bots", "--coordinator", "http://127.0.0.1:1", "--count", "1", "--classpath", text.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: --classpath entry '" + text + "' is neither a directory nor a .jar");
    }

    @Test
    void server_classpathEmptyEntry_oneLineBeforeStarting(@TempDir Path dir) {
        Run r = run("server", "--data", dir.resolve("d").toString(), "--port", "0", "--classpath", "a.jar::b");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("partita: --classpath has an empty entry");
        assertThat(dir.resolve("d")).doesNotExist();
    }

    @Test
    void bots_classpath_passedToEveryBot() {
        BotsCommand bots = new BotsCommand();
        new CommandLine(bots).parseArgs("--coordinator", "http://h:1", "--count", "1", "--classpath", "my.jar");
        assertThat(bots.command("bot-1")).containsSequence("--classpath", "my.jar");
    }

    @Test
    void server_dataDirIsAFile_oneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a directory");
        Run r = run("server", "--data", file.toString(), "--local-workers", "0", "--port", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("partita: data directory " + file
                        + " is a file, not a directory (choose another with --data)" + System.lineSeparator());
    }

    @Test
    void server_dataDirUnderAFile_oneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "not a directory");
        Path data = file.resolve("data");
        Run r = run("server", "--data", data.toString(), "--local-workers", "0", "--port", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("partita: cannot create data directory " + data + ": ");
    }

    @Test
    void server_dataDirNotWritable_oneLine(@TempDir Path dir) throws Exception {
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // Permission bits do not bind root; sysfs refuses new files to everyone, root included.
            Path data = canCreateFileIn(readOnly) ? Path.of("/sys") : readOnly;
            Run r = run("server", "--data", data.toString(), "--local-workers", "0", "--port", "0");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().lines()).hasSize(1);
            assertThat(r.err()).startsWith("partita: data directory " + data + " is not writable: ");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean canCreateFileIn(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
