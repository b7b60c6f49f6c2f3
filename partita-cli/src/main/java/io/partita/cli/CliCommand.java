package io.partita.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every subcommand: runs {@link #run()} and turns a {@link CliException} into one line
 * {@code partita: <reason>} on the command line's error writer and a non-zero exit code. Output
 * goes to the picocli writers ({@link #out()}, {@link #err()}), so tests can capture it in-process.
 */
abstract class CliCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Runs the command; returns the exit code. Throws {@link CliException} for user errors. */
    abstract int run() throws Exception;

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } catch (CliException e) {
            return fail(e.getMessage(), e.exitCode());
        } catch (CoordinatorClient.HttpError | CoordinatorClient.Unreachable e) {
            return fail(e.getMessage(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err().println("partita: interrupted");
            err().flush();
            return 130;
        }
    }

    private int fail(String message, int code) {
        err().println("partita: " + message);
        err().flush();
        return code;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
