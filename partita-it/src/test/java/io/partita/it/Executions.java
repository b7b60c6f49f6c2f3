package io.partita.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses the execution log written by the {@code test/record} function. */
record Executions(List<Execution> all) {
    record Execution(String coordinator, long partition, int attempt, long pid) {}

    static Executions read(Path log) {
        try {
            List<Execution> list = new ArrayList<>();
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    String[] f = line.trim().split(" ");
                    if (f.length == 4) {
                        list.add(new Execution(
                                f[0], Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3])));
                    }
                }
            }
            return new Executions(list);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long expectedSum(long partitions) {
        return partitions * (partitions + 1) / 2;
    }
}
