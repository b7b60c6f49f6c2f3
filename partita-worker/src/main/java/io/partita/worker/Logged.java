package io.partita.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one task attempt said for the job's event log: the lines it printed ({@code ctx.log},
 * {@code console.log}, the logger's prints) and what the module's {@code log} returned. Bounded, so
 * a chatty task cannot make its result message huge. Used by one thread at a time.
 */
final class Logged {
    static final int MAX_LINES = 100;
    static final int MAX_LINE_CHARS = 1000;

    private ArrayNode printed;
    private int dropped;
    private JsonNode returned;

    void print(String line) {
        if (printed == null) {
            printed = JsonNodeFactory.instance.arrayNode();
        }
        if (printed.size() >= MAX_LINES) {
            dropped++;
            return;
        }
        printed.add(line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "..." : line);
    }

    void returned(JsonNode value) {
        if (value != null && !value.isNull()) {
            returned = value;
        }
    }

    /** The {@code log} field of the task's result, or null when there was nothing to say. */
    ObjectNode toJson() {
        if (printed == null && returned == null) {
            return null;
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (returned != null) {
            node.set("returned", returned);
        }
        if (printed != null) {
            node.set("printed", printed);
        }
        if (dropped > 0) {
            node.put("droppedLines", dropped);
        }
        return node;
    }
}
