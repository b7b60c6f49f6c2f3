package io.partita.membership;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A member in its own JVM, for the process tests. Arguments: JDBC URL, group, lease ms, heartbeat
 * ms, safety margin ms, work interval ms. Prints one line per event on stdout, each with the
 * process's System.nanoTime (CLOCK_MONOTONIC, comparable across processes on Linux):
 *
 * <pre>
 * VIEW nanos state rank size epoch stable
 * CALL nanos rank size epoch
 * FENCED nanos epoch
 * </pre>
 *
 * Leaves cleanly when stdin closes.
 */
public final class MemberProcessMain {

    private MemberProcessMain() {}

    private static final PrintStream OUT = System.out;

    private static void print(String line) {
        synchronized (OUT) {
            OUT.println(line);
            OUT.flush();
        }
    }

    /**
     * Runs one member until stdin closes.
     *
     * @param args URL, group, lease ms, heartbeat ms, margin ms, interval ms
     * @throws IOException if stdin fails
     */
    public static void main(String[] args) throws IOException {
        String url = args[0];
        UUID group = UUID.fromString(args[1]);
        MembershipOptions options = MembershipOptions.defaults()
                .withHeartbeatInterval(Duration.ofMillis(Long.parseLong(args[3])))
                .withSafetyMargin(Duration.ofMillis(Long.parseLong(args[4])))
                .withLeaseTimeout(Duration.ofMillis(Long.parseLong(args[2])))
                .withLabel("pid " + ProcessHandle.current().pid());
        DataSource ds;
        if (url.startsWith("jdbc:sqlite:")) {
            ds = TestDatabases.sqlite(url);
        } else {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(url);
            ds = pg;
        }
        try (Membership m = Membership.join(ds, group, options)) {
            m.onChange(v -> print("VIEW "
                    + System.nanoTime()
                    + " "
                    + v.state()
                    + " "
                    + v.rank()
                    + " "
                    + v.size()
                    + " "
                    + v.epoch()
                    + " "
                    + v.stable()));
            m.runEvery(Duration.ofMillis(Long.parseLong(args[5])), new PeriodicWork() {
                @Override
                public void run(int rank, int size, long epoch) {
                    print("CALL " + System.nanoTime() + " " + rank + " " + size + " " + epoch);
                }

                @Override
                public void fenced(long epoch) {
                    print("FENCED " + System.nanoTime() + " " + epoch);
                }
            });
            while (System.in.read() >= 0) {
                // wait for stdin to close
            }
        }
    }
}
