package io.partita.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Embedded-store choice: the coordinator's write pattern (group commits of result rows, as
 * {@code Store.commit} does) and its restart read (all stored nodes of a job), on SQLite (WAL,
 * synchronous=NORMAL, as {@code JdbcStore} configures it) and on H2 (file mode, defaults).
 *
 * <p>Usage: {@code java -cp "partita-benchmarks/target/lib/*" io.partita.bench.StoreBenchmark
 * [rows] [batch] [runs]}.
 */
public final class StoreBenchmark {
    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        double[][] sqlite = new double[2][runs];
        double[][] h2 = new double[2][runs];
        for (int r = 0; r < runs; r++) {
            Path dir = Files.createTempDirectory("store-bench");
            double[] s = run(
                    "jdbc:sqlite:" + dir.resolve("s.db") + "?journal_mode=WAL&synchronous=NORMAL",
                    rows,
                    batch,
                    "sqlite");
            double[] h = run("jdbc:h2:file:" + dir.resolve("h") + ";DB_CLOSE_DELAY=0", rows, batch, "h2");
            for (int i = 0; i < 2; i++) {
                sqlite[i][r] = s[i];
                h2[i][r] = h[i];
            }
            System.out.printf(
                    "run %d: sqlite %,.0f rows/s written, %,.0f rows/s read; h2 %,.0f written, %,.0f read%n",
                    r + 1, s[0], s[1], h[0], h[1]);
        }
        System.out.printf(
                "median of %d runs, %,d rows in commits of %d: sqlite %,.0f rows/s written, %,.0f read; h2 %,.0f written, %,.0f read; sqlite/h2 write ratio %.2f%n",
                runs,
                rows,
                batch,
                median(sqlite[0]),
                median(sqlite[1]),
                median(h2[0]),
                median(h2[1]),
                median(sqlite[0]) / median(h2[0]));
    }

    private static double[] run(String url, int rows, int batch, String kind) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute(
                        "create table task_results (job_id varchar(64) not null, level int not null, idx bigint not null,"
                                + " attempt int not null, output " + (kind.equals("h2") ? "varbinary" : "blob")
                                + " not null, primary key (job_id, level, idx))");
            }
            c.setAutoCommit(false);
            byte[] output = "1".getBytes();
            String insert = kind.equals("h2")
                    ? "merge into task_results key (job_id, level, idx) values (?,?,?,?,?)"
                    : "insert into task_results values (?,?,?,?,?) on conflict do nothing";
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "job-1");
                    ps.setInt(2, 0);
                    ps.setLong(3, i);
                    ps.setInt(4, 1);
                    ps.setBytes(5, output);
                    ps.addBatch();
                    if ((i + 1) % batch == 0) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
                ps.executeBatch();
                c.commit();
            }
            double written = rows / ((System.nanoTime() - start) / 1e9);
            start = System.nanoTime();
            long n = 0;
            try (PreparedStatement ps = c.prepareStatement("select level, idx from task_results where job_id = ?")) {
                ps.setString(1, "job-1");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        n += rs.getLong(2) >= 0 ? 1 : 0;
                    }
                }
            }
            c.commit();
            if (n != rows) {
                throw new AssertionError("read " + n + " rows");
            }
            double read = rows / ((System.nanoTime() - start) / 1e9);
            return new double[] {written, read};
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
