package io.partita.cli;

import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code partita} command: entry point of the distribution ({@code ./partita} runs it).
 *
 * <p>Every subcommand returns an exit code: 0 on success, non-zero with one line {@code partita:
 * <reason>} on stderr otherwise. Usage errors (unknown option, missing argument) exit 2.
 */
@Command(
        name = "partita",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Run one computation over millions of partitions on whatever compute shows up.",
        subcommands = {
            ServerCommand.class,
            WorkerCommand.class,
            BotsCommand.class,
            SubmitCommand.class,
            RerunCommand.class,
            StatusCommand.class,
            ResultCommand.class,
            CancelCommand.class,
            DeleteCommand.class,
            DatasetCommand.class,
            DataJobCommand.MapReduce.class,
            DataJobCommand.Query.class,
            CallCommand.class,
            WorkersCommand.class,
            GroupCommand.class,
            TokenCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {"", "Run 'partita COMMAND --help' for a command's options."})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    /** Creates the top-level command; use with {@code new CommandLine(new Main())}. */
    public Main() {}

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A command line with the standard error handling: usage errors in one line plus a hint. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("partita: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cmd;
    }

    /** Without a subcommand: print usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar manifest, or {@code dev} when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            if (v == null) {
                v = fromPom();
            }
            return new String[] {
                "partita " + (v == null ? "dev" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
            };
        }

        private static String fromPom() {
            try (InputStream in =
                    Main.class.getResourceAsStream("/META-INF/maven/io.partita/partita-cli/pom.properties")) {
                if (in == null) {
                    return null;
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version");
            } catch (java.io.IOException e) {
                return null;
            }
        }
    }
}
