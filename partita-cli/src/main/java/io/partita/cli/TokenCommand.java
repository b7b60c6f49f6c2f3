package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code partita token create|list|revoke}: API tokens, through the admin API ({@code /api/tokens};
 * docs/security.md). Needs an admin token, which on the coordinator's machine is found without a
 * flag.
 */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Create, list and revoke API tokens (admin).",
        subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "token needs create, list or revoke");
    }

    /** {@code token create}: prints the new token's text once, on stdout, and its id on stderr. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a token; its text is printed once and never shown again.")
    static final class Create extends CliCommand {
        @Mixin
        ClientOptions client;

        @Option(names = "--user", required = true, paramLabel = "NAME", description = "Who the token is for.")
        String user;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "admin, submitter, viewer or worker.")
        String role;

        @Option(names = "--tenant", paramLabel = "T", description = "Tenant (default: default).")
        String tenant;

        @Option(names = "--expires", paramLabel = "DURATION", description = "Lifetime, e.g. 30d, 12h (default: none).")
        String expires;

        @Override
        int run() {
            ObjectNode body = CoordinatorClient.JSON.createObjectNode();
            body.put("user", user);
            body.put("role", role);
            if (tenant != null) {
                body.put("tenant", tenant);
            }
            if (expires != null) {
                body.put("expires", expires);
            }
            JsonNode made = client.client().exchange("POST", "api/tokens", body);
            err().println("Created token " + made.path("id").asText() + " for "
                    + made.path("user").asText() + "@"
                    + made.path("tenant").asText() + " (" + made.path("role").asText() + ")"
                    + (made.has("expiresAt")
                            ? ", expires " + made.path("expiresAt").asText()
                            : "")
                    + "; it is shown only now:");
            err().flush();
            out().println(made.path("token").asText());
            out().flush();
            return 0;
        }
    }

    /** {@code token list}: one line per token, never its text. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their text).")
    static final class List extends CliCommand {
        @Mixin
        ClientOptions client;

        @Override
        int run() {
            JsonNode list = client.client().exchange("GET", "api/tokens", null);
            out().printf("%-22s %-16s %-10s %-12s %-22s %s%n", "ID", "USER", "ROLE", "TENANT", "EXPIRES", "STATE");
            for (JsonNode t : list.path("items")) {
                out().printf(
                                "%-22s %-16s %-10s %-12s %-22s %s%n",
                                t.path("id").asText(),
                                t.path("user").asText(),
                                t.path("role").asText(),
                                t.path("tenant").asText(),
                                t.path("expiresAt").asText("-"),
                                t.has("revokedAt")
                                        ? "revoked " + t.path("revokedAt").asText()
                                        : "active");
            }
            out().flush();
            return 0;
        }
    }

    /** {@code token revoke ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by its id.")
    static final class Revoke extends CliCommand {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "ID", description = "Token id (from token list).")
        String id;

        @Override
        int run() {
            client.client().exchange("DELETE", "api/tokens/" + id, null);
            out().println(id + " revoked");
            out().flush();
            return 0;
        }
    }
}
