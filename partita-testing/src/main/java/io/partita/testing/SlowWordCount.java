package io.partita.testing;

import io.partita.api.Function;
import io.partita.api.MapReduceFunction;
import java.util.List;

/**
 * Word count (words split on single spaces) that takes its time: the map sleeps a millisecond every
 * ten records and the reduce two milliseconds per key, so a test can kill a worker while map or
 * reduce tasks are running.
 */
@Function("tests/slowwordcount")
public final class SlowWordCount implements MapReduceFunction {

    @Override
    public void map(Object record, Emitter emit) throws Exception {
        String line = (String) record;
        if (line.hashCode() % 10 == 0) {
            Thread.sleep(1);
        }
        for (String word : line.split(" ")) {
            if (!word.isEmpty()) {
                emit.emit(word, 1);
            }
        }
    }

    @Override
    public void reduce(Object word, List<Object> counts, Emitter emit) throws Exception {
        Thread.sleep(2);
        long sum = 0;
        for (Object c : counts) {
            sum += ((Number) c).longValue();
        }
        emit.emit(word, sum);
    }
}
