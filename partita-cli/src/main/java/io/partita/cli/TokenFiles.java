package io.partita.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Where the CLI finds a token when none is given (docs/security.md), so that the same machine's
 * CLI needs no token flag, like Jupyter's runtime files: {@code --token}, else {@code
 * $PARTITA_TOKEN}, else, for a coordinator on this machine (a loopback host), the file the server
 * wrote for its port ({@code ~/.partita/run/PORT.token}), else the admin token in the default data
 * directory ({@code ./partita-data/admin-token}). Every file it writes is readable by its owner
 * only.
 */
final class TokenFiles {
    private TokenFiles() {}

    /** The token to present to {@code coordinator}, if one is found. */
    static Optional<String> find(URI coordinator, Optional<String> explicit) {
        if (explicit.isPresent() && !explicit.get().isBlank()) {
            return explicit.map(String::strip);
        }
        String env = System.getenv("PARTITA_TOKEN");
        if (env != null && !env.isBlank()) {
            return Optional.of(env.strip());
        }
        if (!isLoopback(coordinator.getHost())) {
            return Optional.empty();
        }
        int port = coordinator.getPort() == -1
                ? (coordinator.getScheme().equals("https") ? 443 : 80)
                : coordinator.getPort();
        return read(runFile(port)).or(() -> read(Path.of("partita-data", "admin-token")));
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Optional<String> read(Path file) {
        try {
            if (Files.isReadable(file)) {
                String text = Files.readString(file, StandardCharsets.UTF_8).strip();
                return text.isEmpty() ? Optional.empty() : Optional.of(text);
            }
        } catch (IOException e) {
            // not readable: as if absent
        }
        return Optional.empty();
    }

    /** The file where a server on this machine keeps its admin token for the CLI: per port. */
    static Path runFile(int port) {
        return Path.of(System.getProperty("user.home"), ".partita", "run", port + ".token");
    }

    /** Writes {@code token} to {@link #runFile}, owner-only; false (and nothing written) if it cannot. */
    static boolean writeRunFile(int port, String token) {
        Path file = runFile(port);
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Deletes {@link #runFile} if it still holds {@code token} (another server may have taken the port). */
    static void deleteRunFile(int port, String token) {
        Path file = runFile(port);
        if (read(file).map(token::equals).orElse(false)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // left behind: it names a token that stops working with its coordinator's data
            }
        }
    }
}
