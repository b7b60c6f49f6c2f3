package io.partita.cli;

/**
 * A user-facing error: the command prints {@code partita: <message>} on one line to stderr and
 * exits with {@link #exitCode()}, without a stack trace. Thrown for bad input, unreachable
 * coordinators and HTTP errors; anything else is a bug and keeps its stack trace.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /** A user error with exit code 1. */
    public CliException(String message) {
        this(message, 1, null);
    }

    /** A user error with exit code 1 and a cause (kept for debugging, never printed). */
    public CliException(String message, Throwable cause) {
        this(message, 1, cause);
    }

    /** A user error with the given non-zero exit code. */
    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        if (exitCode == 0) {
            throw new IllegalArgumentException("exitCode must be non-zero");
        }
        this.exitCode = exitCode;
    }

    /** The process exit code for this error; never 0. */
    public int exitCode() {
        return exitCode;
    }

    /** One line describing {@code t}: its message, followed by its root cause's when different. */
    public static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        if (root != t && root.getMessage() != null && !top.contains(root.getMessage())) {
            top = top + ": " + root.getMessage();
        }
        return top.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
