package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code partita call FUNCTION [ARG...]}: a grid call; prints its result as JSON. */
@Command(
        name = "call",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Call a function through the grid (cached by its arguments) and print the result as JSON.",
            "Each ARG is JSON if it parses (90, true, [1,2], \"5\"), else a string. docs/calls.md."
        })
final class CallCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name, e.g. examples/fib.")
    String function;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--json", description = "Print the coordinator's whole answer (status, cached, ...).")
    boolean json;

    @Override
    int run() throws Exception {
        ObjectNode body = CoordinatorClient.JSON.createObjectNode();
        body.put("function", function);
        ArrayNode a = body.putArray("args");
        for (String arg : args) {
            a.add(Params.parseValue(arg));
        }
        JsonNode answer = client.client().post("api/calls", body);
        if (json) {
            out().println(CoordinatorClient.JSON.writeValueAsString(answer));
        } else if (answer.path("status").asText().equals("done")) {
            out().println(CoordinatorClient.JSON.writeValueAsString(answer.path("result")));
        } else {
            String error = answer.path("error").asText(answer.toString());
            throw new CliException("call " + function + " "
                    + answer.path("status").asText("failed") + ": " + JobCommand.oneLine(error));
        }
        out().flush();
        return 0;
    }
}
