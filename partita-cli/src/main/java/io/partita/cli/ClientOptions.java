package io.partita.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --coordinator URL}, {@code --token TOKEN} and {@code --ca-cert FILE} options shared by
 * the client commands.
 */
final class ClientOptions {
    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            defaultValue = "${env:PARTITA_URL:-http://localhost:8080}",
            description = "Coordinator base URL (default: $PARTITA_URL, else http://localhost:8080; now"
                    + " ${DEFAULT-VALUE}).")
    String coordinator;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "API token (default: $PARTITA_TOKEN, else, for a coordinator on this machine, the"
                    + " admin token its server wrote; docs/security.md).")
    String token;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "PEM certificates to trust for an https coordinator besides the JDK's: its private CA,"
                    + " or its self-signed certificate (default: $PARTITA_CA_CERT; docs/security.md).")
    java.nio.file.Path caCert;

    CoordinatorClient client() {
        java.net.URI uri = CoordinatorClient.parseUrl(coordinator);
        return new CoordinatorClient(
                uri,
                CoordinatorClient.UNAVAILABLE_PATIENCE,
                TokenFiles.find(uri, Optional.ofNullable(token)),
                tls(Optional.ofNullable(caCert)));
    }

    /** The TLS trust {@code --ca-cert} or {@code PARTITA_CA_CERT} asks for, if any. */
    static Optional<javax.net.ssl.SSLContext> tls(Optional<java.nio.file.Path> caCert) {
        try {
            return io.partita.protocol.TlsTrust.fromOptionOrEnvironment(caCert);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
    }
}
