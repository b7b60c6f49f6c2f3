package io.partita.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --coordinator URL} and {@code --token TOKEN} options shared by the client commands. */
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

    CoordinatorClient client() {
        java.net.URI uri = CoordinatorClient.parseUrl(coordinator);
        return new CoordinatorClient(uri, TokenFiles.find(uri, Optional.ofNullable(token)));
    }
}
