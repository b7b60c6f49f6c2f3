package io.partita.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resolved settings of {@code partita server}.
 *
 * <p>Each setting comes from, in order of precedence: the command line, the {@code --config}
 * properties file (keys are the long option names without dashes: {@code port}, {@code data},
 * {@code local-workers}, {@code store}, {@code host}, {@code max-partitions}, {@code allowed-origins}
 * (comma-separated), {@code connections-per-minute}), then the default. An
 * unknown key or a bad value in the file is an error naming the key and the value. Relative paths
 * in the file are relative to the working directory, like on the command line.
 *
 * @param host interface to bind; default {@value #DEFAULT_HOST}
 * @param port HTTP port, 0 for any free port; default {@value #DEFAULT_PORT}
 * @param dataDir data directory; default {@code ./partita-data}
 * @param localWorkers tasks the local worker processes run at once, 0 for none; default: available processors
 * @param store JDBC URL of the store; empty selects the embedded store in {@code dataDir}
 * @param maxPartitions largest partition count per job; default {@value #DEFAULT_MAX_PARTITIONS}
 * @param allowedOrigins page origins whose browsers may connect as workers; empty means any
 * @param connectionsPerMinute worker connections per IP address and minute, 0 for unlimited
 */
public record ServerSettings(
        String host,
        int port,
        Path dataDir,
        int localWorkers,
        Optional<String> store,
        int maxPartitions,
        java.util.List<String> allowedOrigins,
        int connectionsPerMinute) {

    /** Settings with the default browser rules. */
    public ServerSettings(
            String host, int port, Path dataDir, int localWorkers, Optional<String> store, int maxPartitions) {
        this(
                host,
                port,
                dataDir,
                localWorkers,
                store,
                maxPartitions,
                java.util.List.of(),
                io.partita.coordinator.CoordinatorConfig.DEFAULT_CONNECTIONS_PER_MINUTE);
    }

    /** Default bind address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Default port. */
    public static final int DEFAULT_PORT = 8080;

    /** Default data directory. */
    public static final Path DEFAULT_DATA = Path.of("partita-data");

    /** Default partition limit. */
    public static final int DEFAULT_MAX_PARTITIONS = 10_000_000;

    /** The keys a config file may contain (those of {@link BoundsOptions} too). */
    public static final Set<String> KEYS = java.util.stream.Stream.concat(
                    Set.of(
                            "port",
                            "data",
                            "local-workers",
                            "store",
                            "host",
                            "max-partitions",
                            "allowed-origins",
                            "connections-per-minute")
                            .stream(),
                    BoundsOptions.KEYS.stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** Validates the settings. */
    public ServerSettings {
        if (port < 0 || port > 65535) {
            throw new CliException("port must be between 0 and 65535, was " + port);
        }
        if (localWorkers < 0 || localWorkers > 4096) {
            throw new CliException("local-workers must be between 0 and 4096, was " + localWorkers);
        }
        if (maxPartitions < 1) {
            throw new CliException("max-partitions must be at least 1, was " + maxPartitions);
        }
        if (host.isBlank()) {
            throw new CliException("host must not be blank");
        }
        allowedOrigins = java.util.List.copyOf(allowedOrigins);
        if (connectionsPerMinute < 0) {
            throw new CliException("connections-per-minute must not be negative, was " + connectionsPerMinute);
        }
    }

    /**
     * Values given on the command line; {@code null} means "not given".
     *
     * @param host {@code --host}
     * @param port {@code --port}
     * @param data {@code --data}
     * @param localWorkers {@code --local-workers}
     * @param store {@code --store}
     * @param maxPartitions {@code --max-partitions}
     * @param allowedOrigins {@code --allowed-origin}, repeatable
     * @param connectionsPerMinute {@code --connections-per-minute}
     */
    public record Overrides(
            String host,
            Integer port,
            Path data,
            Integer localWorkers,
            String store,
            Integer maxPartitions,
            java.util.List<String> allowedOrigins,
            Integer connectionsPerMinute) {

        /** Overrides without the browser rules. */
        public Overrides(
                String host, Integer port, Path data, Integer localWorkers, String store, Integer maxPartitions) {
            this(host, port, data, localWorkers, store, maxPartitions, null, null);
        }

        /** No command-line values. */
        public static Overrides none() {
            return new Overrides(null, null, null, null, null, null);
        }
    }

    /** Reads a config file as properties; errors name the file. */
    public static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new CliException("config file not found: " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return p;
    }

    /**
     * Resolves the settings: command line, then {@code file} (may be empty), then defaults.
     *
     * @param source names the file in error messages
     * @throws CliException for an unknown key or a bad value
     */
    public static ServerSettings resolve(Overrides cli, Properties file, String source, int defaultLocalWorkers) {
        Set<String> unknown = new TreeSet<>();
        for (Object key : file.keySet()) {
            if (!KEYS.contains(key.toString())) {
                unknown.add(key.toString());
            }
        }
        if (!unknown.isEmpty()) {
            String key = unknown.iterator().next();
            throw new CliException(source
                    + ": unknown key '"
                    + key
                    + "' (value '"
                    + file.getProperty(key)
                    + "'); known keys: "
                    + String.join(", ", new TreeSet<>(KEYS)));
        }
        Map<String, String> f = new HashMap<>();
        file.stringPropertyNames().forEach(k -> f.put(k, file.getProperty(k).strip()));
        // Every value in the file is checked, even one the command line overrides: a broken file
        // should not pass unnoticed until the day the override is dropped.
        Optional<Integer> filePort = intValue(f, "port", 0, 65535, source);
        Optional<Integer> fileLocalWorkers = intValue(f, "local-workers", 0, 4096, source);
        Optional<Integer> fileMaxPartitions = intValue(f, "max-partitions", 1, Integer.MAX_VALUE, source);
        Optional<Integer> fileConnections = intValue(f, "connections-per-minute", 0, Integer.MAX_VALUE, source);
        Optional<java.util.List<String>> fileOrigins = nonEmpty(f.get("allowed-origins"))
                .map(v -> java.util.Arrays.stream(v.split(","))
                        .map(String::strip)
                        .filter(o -> !o.isEmpty())
                        .toList());
        Optional<String> fileStore = nonEmpty(f.get("store"));
        fileStore.ifPresent(url -> checkStore(url, source + ": bad value for 'store'"));

        String host = cli.host() != null ? cli.host() : nonEmpty(f.get("host")).orElse(DEFAULT_HOST);
        int port = cli.port() != null ? cli.port() : filePort.orElse(DEFAULT_PORT);
        Path data = cli.data() != null
                ? cli.data()
                : nonEmpty(f.get("data")).map(Path::of).orElse(DEFAULT_DATA);
        int localWorkers =
                cli.localWorkers() != null ? cli.localWorkers() : fileLocalWorkers.orElse(defaultLocalWorkers);
        Optional<String> store = cli.store() != null ? nonEmpty(cli.store()) : fileStore;
        if (cli.store() != null) {
            store.ifPresent(url -> checkStore(url, "--store"));
        }
        int maxPartitions =
                cli.maxPartitions() != null ? cli.maxPartitions() : fileMaxPartitions.orElse(DEFAULT_MAX_PARTITIONS);
        java.util.List<String> origins =
                cli.allowedOrigins() != null && !cli.allowedOrigins().isEmpty()
                        ? cli.allowedOrigins()
                        : fileOrigins.orElse(java.util.List.of());
        int connections = cli.connectionsPerMinute() != null
                ? cli.connectionsPerMinute()
                : fileConnections.orElse(io.partita.coordinator.CoordinatorConfig.DEFAULT_CONNECTIONS_PER_MINUTE);
        return new ServerSettings(host, port, data, localWorkers, store, maxPartitions, origins, connections);
    }

    private static void checkStore(String url, String where) {
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new CliException(where + ": '" + url + "' (expected a jdbc:sqlite: or jdbc:postgresql: URL)");
        }
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    private static Optional<Integer> intValue(Map<String, String> file, String key, int min, int max, String source) {
        String raw = file.get(key);
        if (raw == null) {
            return Optional.empty();
        }
        try {
            int v = Integer.parseInt(raw.replace("_", ""));
            if (v >= min && v <= max) {
                return Optional.of(v);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CliException(source
                + ": bad value for '"
                + key
                + "': '"
                + raw
                + "' (expected an integer between "
                + min
                + " and "
                + max
                + ")");
    }
}
