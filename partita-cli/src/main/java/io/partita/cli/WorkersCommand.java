package io.partita.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code partita workers}: the connected workers. */
@Command(
        name = "workers",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "List the connected workers: id, name, kind, trust, slots, runtimes, functions.")
final class WorkersCommand extends CliCommand {
    @Mixin
    ClientOptions client;

    @Option(names = "--json", description = "Print the coordinator's JSON, pretty-printed.")
    boolean json;

    @Override
    int run() throws Exception {
        JsonNode page = client.client().get("api/workers");
        if (json) {
            out().println(CoordinatorClient.JSON
                    .writerWithDefaultPrettyPrinter()
                    .writeValueAsString(page));
            out().flush();
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "NAME", "KIND", "TRUST", "SLOTS", "RUNTIMES", "FUNCTIONS"});
        for (JsonNode w : page.path("items")) {
            JsonNode caps = w.path("capabilities");
            rows.add(new String[] {
                w.path("id").asText(),
                w.path("name").asText(),
                w.path("kind").asText(),
                w.path("trust").asText(),
                caps.path("slots").asText(""),
                join(caps.path("runtimes")),
                join(caps.path("functions"))
            });
        }
        out().print(StatusCommand.table(rows));
        if (rows.size() == 1) {
            out().println("(no workers)");
        }
        out().flush();
        return 0;
    }

    private static String join(JsonNode list) {
        List<String> items = new ArrayList<>();
        list.forEach(n -> items.add(n.asText()));
        return items.isEmpty() ? "-" : String.join(",", items);
    }
}
