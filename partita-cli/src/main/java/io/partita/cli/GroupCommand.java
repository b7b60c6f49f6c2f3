package io.partita.cli;

import io.partita.membership.MemberState;
import io.partita.membership.Membership;
import io.partita.membership.MembershipOptions;
import io.partita.membership.View;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code partita group}: membership groups on a shared database (see docs/membership.md).
 * Subcommand {@code join} joins a group and reports this process's rank until interrupted.
 */
@Command(
        name = "group",
        versionProvider = Main.Version.class,
        description = "Join a membership group: processes sharing a database negotiate N and a rank.",
        mixinStandardHelpOptions = true,
        subcommands = {GroupCommand.Join.class})
public final class GroupCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Without a subcommand, reports the missing subcommand. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand: join");
    }

    /**
     * {@code partita group join GROUP_UUID [--db URL]}: prints {@code GROUP:[RANK/N] working away as
     * usual...} on every change and every interval; leaves the group cleanly on Ctrl-C.
     */
    @Command(
            name = "join",
            versionProvider = Main.Version.class,
            description = "Join GROUP_UUID and print this member's rank on every change and interval.",
            mixinStandardHelpOptions = true)
    public static final class Join implements Callable<Integer> {

        /** Default database: the embedded SQLite store under partita-data/. */
        public static final String DEFAULT_DB = "jdbc:sqlite:partita-data/partita.db";

        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "GROUP_UUID", description = "The group to join.")
        private String group;

        @Option(
                names = "--db",
                paramLabel = "JDBC_URL",
                defaultValue = DEFAULT_DB,
                description = "jdbc:sqlite:FILE or jdbc:postgresql://... (default: ${DEFAULT-VALUE}).")
        private String db;

        @Option(
                names = "--interval",
                defaultValue = "5s",
                description =
                        "How often to report and run the work, e.g. 5s, 500ms, PT5S (default:" + " ${DEFAULT-VALUE}).")
        private String interval;

        @Option(
                names = "--lease-timeout",
                defaultValue = "10s",
                description = "Lease timeout (default: ${DEFAULT-VALUE}).")
        private String leaseTimeout;

        @Option(
                names = "--heartbeat",
                defaultValue = "1s",
                description = "Heartbeat interval (default: ${DEFAULT-VALUE}).")
        private String heartbeat;

        @Option(names = "--safety-margin", description = "Safety margin; default: a tenth of the lease timeout.")
        private String safetyMargin;

        /**
         * Joins the group and reports until the process is stopped; leaves cleanly on shutdown.
         *
         * @return 0 after a clean shutdown, 2 for invalid arguments (one line on stderr)
         * @throws Exception if the database cannot be reached to create the schema
         */
        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            UUID groupId;
            MembershipOptions options;
            Duration every;
            DataSource dataSource;
            try {
                groupId = parseUuid(group);
                every = parseDuration("--interval", interval);
                Duration lease = parseDuration("--lease-timeout", leaseTimeout);
                Duration margin =
                        safetyMargin == null ? lease.dividedBy(10) : parseDuration("--safety-margin", safetyMargin);
                options = new MembershipOptions(
                        lease,
                        parseDuration("--heartbeat", heartbeat),
                        margin,
                        true,
                        "partita group join, pid " + ProcessHandle.current().pid());
                dataSource = dataSource(db);
            } catch (IllegalArgumentException e) {
                err.println("partita group join: " + e.getMessage());
                err.flush();
                return 2;
            }

            CountDownLatch done = new CountDownLatch(1);
            Membership m;
            try {
                m = Membership.join(dataSource, groupId, options);
            } catch (RuntimeException e) {
                // an unreachable server, a missing database, bad credentials: one line, not a trace
                err.println("partita: cannot join group " + groupId + " in " + db + ": " + CliException.describe(e));
                err.flush();
                return 1;
            }
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                m.close(); // leave at once, so the others renegotiate without waiting
                                done.countDown();
                            },
                            "partita-group-leave"));
            m.onChange(new java.util.function.Consumer<View>() {
                private String last = "";

                @Override
                public void accept(View v) {
                    String line;
                    if (v.state() == MemberState.ACTIVE) {
                        line = report(groupId, v.rank(), v.size());
                    } else if (v.state() == MemberState.FENCED) {
                        line = groupId + ":[-/" + v.size() + "] fenced: cannot renew the lease, rejoining...";
                    } else {
                        return;
                    }
                    if (!line.equals(last)) {
                        last = line;
                        print(out, line);
                    }
                }
            });
            m.runEvery(every, (rank, size, epoch) -> print(out, report(groupId, rank, size)));
            done.await();
            return 0;
        }

        private static String report(UUID group, int rank, int size) {
            return group + ":[" + rank + "/" + size + "] working away as usual...";
        }

        private static void print(PrintWriter out, String line) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }

        static UUID parseUuid(String value) {
            try {
                UUID u = UUID.fromString(value);
                if (!u.toString().equalsIgnoreCase(value)) {
                    throw new IllegalArgumentException();
                }
                return u;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("GROUP_UUID must be a UUID, was '" + value + "'");
            }
        }

        /** Parses the grid-wide duration syntax (500ms, 5s, 2m, 1h, PT5S); must be positive. */
        static Duration parseDuration(String name, String value) {
            Duration d = io.partita.protocol.Durations.parse(name, value);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was '" + value + "'");
            }
            return d;
        }

        static DataSource dataSource(String url) {
            if (url.startsWith("jdbc:sqlite:")) {
                String file = url.substring("jdbc:sqlite:".length());
                int q = file.indexOf('?');
                if (q >= 0) {
                    file = file.substring(0, q);
                }
                if (!file.isEmpty() && !file.startsWith(":") && !file.startsWith("file:")) {
                    Path parent = Path.of(file).toAbsolutePath().getParent();
                    try {
                        if (parent != null) {
                            Files.createDirectories(parent);
                        }
                    } catch (IOException e) {
                        throw new IllegalArgumentException(
                                "--db directory " + parent + " cannot be created: " + e.getMessage());
                    }
                }
                SQLiteDataSource ds = new SQLiteDataSource();
                ds.setUrl(url);
                return ds;
            }
            if (url.startsWith("jdbc:postgresql:")) {
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setURL(url);
                return ds;
            }
            throw new IllegalArgumentException(
                    "--db must be a jdbc:sqlite: or jdbc:postgresql: URL, was '" + url + "'");
        }
    }
}
