package io.partita.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A separate JVM started with the test's own classpath, its output captured line by line (and
 * echoed to the test's output with a prefix). Use it for real worker and coordinator processes.
 */
public final class JavaProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private JavaProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread.ofPlatform().daemon(true).name("out-" + name).start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println("[" + name + "] " + line);
                }
            } catch (IOException e) {
                // process ended
            }
        });
    }

    /** Starts {@code mainClass args...} in a new JVM in {@code workDir}. */
    public static JavaProcess start(String name, Path workDir, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add(mainClass);
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .start();
            return new JavaProcess(name, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts any {@code command} (a shell script, a launcher) in {@code workDir}, its output captured
     * like a JVM's. {@link #terminate()} signals the command's own process, so a script should {@code
     * exec} what it runs.
     */
    public static JavaProcess startCommand(String name, Path workDir, List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .start();
            return new JavaProcess(name, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The current class path with every entry made absolute, as the child runs elsewhere. */
    static String absoluteClassPath() {
        StringBuilder cp = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            if (cp.length() > 0) {
                cp.append(java.io.File.pathSeparatorChar);
            }
            if (entry.endsWith("*")) {
                cp.append(Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath())
                        .append(java.io.File.separator)
                        .append('*');
            } else {
                cp.append(Path.of(entry).toAbsolutePath());
            }
        }
        return cp.toString();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Waits for a line of output matching {@code match} and returns it. */
    public String awaitLine(Predicate<String> match, Duration timeout) {
        Awaitility.await(name + " output")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> lines.stream().anyMatch(match));
        return lines.stream().filter(match).findFirst().orElseThrow();
    }

    /** Sends SIGKILL and waits for the process to end. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** Sends SIGTERM (does not wait). */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the exit and returns the exit code; fails on timeout. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
