package io.partita.cli;

import picocli.CommandLine.Option;

/** The {@code --coordinator URL} option shared by the client commands. */
final class ClientOptions {
    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            defaultValue = "${env:PARTITA_URL:-http://localhost:8080}",
            description = "Coordinator base URL (default: $PARTITA_URL, else http://localhost:8080; now"
                    + " ${DEFAULT-VALUE}).")
    String coordinator;

    CoordinatorClient client() {
        return new CoordinatorClient(CoordinatorClient.parseUrl(coordinator));
    }
}
