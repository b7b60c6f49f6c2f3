package io.partita.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --classpath} of {@code worker}, {@code bots} and {@code server}: the user's own jars and
 * class directories, whose {@code JobFunction}, {@code CallFunction} and {@code MapReduceFunction}
 * implementations (registered with {@code META-INF/services}, named with {@code @Function}) the
 * worker offers beside the built-in ones.
 *
 * <p>The syntax is Java's: entries separated by {@code :} (the platform's path separator), each a
 * jar, a directory of classes, or {@code dir/*} for every jar in {@code dir}. Every entry must exist:
 * a typo is an error at start-up, not a worker that silently lacks the function. The user's classes
 * load in a child of the distribution's class loader, so {@code partita-api} (and Jackson) are the
 * worker's own and a jar needs to carry only its own classes and any libraries of its own.
 *
 * <p>There is deliberately no default directory that is scanned: a worker runs whatever code it
 * loads with its own permissions, so which code that is stays explicit on its command line.
 */
final class UserClassPath {
    private UserClassPath() {}

    /** The option's help text, shared by the three commands. */
    static final String DESCRIPTION = "Your own functions: jars and class directories separated by ':'"
            + " (';' on Windows; dir/* for every jar in dir), searched for JobFunction, CallFunction and"
            + " MapReduceFunction implementations listed in META-INF/services (docs/java-functions.md).";

    /**
     * The entries of {@code spec} as URLs.
     *
     * @throws CliException when an entry is empty or does not exist
     */
    static List<URL> urls(String spec) {
        if (spec.isBlank()) {
            throw new CliException("--classpath is empty");
        }
        String[] entries = spec.split(File.pathSeparator, -1);
        for (String entry : entries) {
            if (entry.isBlank()) {
                throw new CliException("--classpath has an empty entry: '" + spec + "'");
            }
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : entries) {
            if (entry.endsWith("/*") || entry.equals("*")) {
                Path dir = Path.of(entry.length() == 1 ? "." : entry.substring(0, entry.length() - 2));
                if (!Files.isDirectory(dir)) {
                    throw new CliException("--classpath entry '" + entry + "': " + dir + " is not a directory");
                }
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.jar")) {
                    List<Path> sorted = new ArrayList<>();
                    jars.forEach(sorted::add);
                    sorted.sort(null);
                    for (Path jar : sorted) {
                        urls.add(url(jar));
                    }
                } catch (IOException e) {
                    throw new CliException("--classpath entry '" + entry + "': " + CliException.describe(e), e);
                }
                continue;
            }
            Path path = Path.of(entry);
            if (!Files.exists(path)) {
                throw new CliException("--classpath entry '" + entry + "' does not exist");
            }
            if (!Files.isDirectory(path) && !entry.endsWith(".jar")) {
                throw new CliException("--classpath entry '" + entry + "' is neither a directory nor a .jar");
            }
            urls.add(url(path));
        }
        return urls;
    }

    /** A class loader over {@code spec} whose parent is the distribution's; the parent when absent. */
    static ClassLoader loader(String spec) {
        ClassLoader parent = UserClassPath.class.getClassLoader();
        if (spec == null) {
            return parent;
        }
        return new URLClassLoader("partita-user-functions", urls(spec).toArray(URL[]::new), parent);
    }

    private static URL url(Path path) {
        try {
            return path.toAbsolutePath().normalize().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new CliException("--classpath entry '" + path + "': " + e.getMessage(), e);
        }
    }
}
