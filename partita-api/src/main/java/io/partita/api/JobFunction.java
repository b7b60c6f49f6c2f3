package io.partita.api;

/**
 * A partitioned computation: the unit of code a Java worker runs for a job.
 *
 * <p>Implementations are registered with {@link java.util.ServiceLoader} (a line in {@code
 * META-INF/services/io.partita.api.JobFunction}), carry a {@link Function} annotation with their
 * name, and have a public no-argument constructor. A worker only receives tasks of the functions on
 * its classpath.
 *
 * <p>A job runs in three kinds of task, all on workers:
 *
 * <ol>
 *   <li>{@link #prepare} (only when the spec gives no partition count) yields the partition count
 *       or the list of inputs;
 *   <li>{@link #compute} runs once per partition, on the input given by {@link #input} (computed
 *       where the task runs, so a million inputs are never materialised) or by prepare's list;
 *   <li>{@link #combine} merges outputs in a tree of bounded fan-in. It must be associative; the
 *       tree has a fixed shape (consecutive partitions, left to right), so the result is the same
 *       on any number of workers, even for floating-point outputs.
 * </ol>
 *
 * <p>Inputs and outputs travel as JSON (Jackson maps them to {@link #inputType()} and {@link
 * #outputType()}). Instances may be shared by several worker threads, so implementations must be
 * thread-safe; stateless ones are.
 *
 * @param <I> the input of one partition
 * @param <O> the output of one partition, and of a combine
 */
public interface JobFunction<I, O> {

    /** The Java type that inputs are read as. */
    Class<I> inputType();

    /** The Java type that outputs are read as when they are combined. */
    Class<O> outputType();

    /**
     * Decides the partitions of a job whose spec gives no partition count. The default refuses, so a
     * function without a prepare step needs {@code partitions} in its spec.
     *
     * @throws IllegalArgumentException if params are unusable; the job then fails with the message
     */
    default Preparation prepare(Params params) {
        throw new IllegalArgumentException("this function has no prepare step: give \"partitions\" in the job spec");
    }

    /**
     * The input of partition {@code index}, for jobs whose partitions are given as a count. The
     * default is the index itself, which suits functions whose {@link #inputType()} is {@code Long}.
     */
    @SuppressWarnings("unchecked")
    default I input(Params params, long index) {
        if (inputType() == Long.class) {
            return (I) Long.valueOf(index);
        }
        throw new UnsupportedOperationException(getClass().getName() + " must implement input(params, index)");
    }

    /**
     * Computes the output of one partition.
     *
     * @throws Exception any failure; the attempt fails with its message and is retried up to the
     *     job's {@code maxAttempts}
     */
    O compute(I input, TaskContext context) throws Exception;

    /** Combines two outputs; must be associative. Either argument may be {@code null}. */
    O combine(O left, O right);
}
