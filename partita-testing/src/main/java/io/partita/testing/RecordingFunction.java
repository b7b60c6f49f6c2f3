package io.partita.testing;

import io.partita.api.Function;
import io.partita.api.LongSum;
import io.partita.api.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code test/record}: records every execution as a line {@code coordinator partition attempt pid}
 * appended to the file {@code params.log} (one atomic append per line, so several worker processes
 * can share the file), optionally spins for {@code params.spinMicros}, and outputs {@code partition
 * + 1} — so the result is n(n+1)/2 exactly when every partition counted once, and the file counts
 * executions.
 */
@Function(value = "test/record", pure = false)
public final class RecordingFunction extends LongSum {

    @Override
    public Long compute(Long partition, TaskContext context) {
        String line = context.coordinatorInstance() + " " + partition + " " + context.attempt() + " "
                + ProcessHandle.current().pid() + "\n";
        Path log = Path.of(context.params().getString("log", "executions.log"));
        try (FileChannel ch =
                FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long spin = context.params().getLong("spinMicros", 0);
        long until = System.nanoTime() + spin * 1000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        return partition + 1;
    }
}
