package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The membership contract, run against each database by a subclass. Short leases keep it fast:
 * lease 2 s, heartbeat 200 ms, safety margin 300 ms. The liveness bound checked is lease +
 * heartbeat, plus {@link #SLACK} for a loaded 2-core machine.
 */
abstract class MembershipContract {

    static final Duration LEASE = Duration.ofMillis(2000);
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    static final Duration MARGIN = Duration.ofMillis(300);
    static final Duration SLACK = Duration.ofMillis(1500);
    static final Duration BOUND = LEASE.plus(HEARTBEAT).plus(SLACK);

    /** A data source for members in this JVM. */
    abstract DataSource dataSource();

    /** The URL child processes use. */
    abstract String jdbcUrl();

    /** Whether members keep a connection (false when they share a small pool). */
    abstract boolean keepConnection();

    /** A data source through which the test can cut the database off. */
    abstract Cuttable cuttable() throws Exception;

    /** A data source whose connection to the database can be cut and restored. */
    interface Cuttable extends AutoCloseable {
        DataSource dataSource();

        void cut();

        void restore();

        @Override
        default void close() throws Exception {}
    }

    final List<Membership> members = new CopyOnWriteArrayList<>();
    final List<Process> processes = new CopyOnWriteArrayList<>();

    MembershipOptions options() {
        return MembershipOptions.defaults()
                .withHeartbeatInterval(HEARTBEAT)
                .withSafetyMargin(MARGIN)
                .withLeaseTimeout(LEASE)
                .withKeepConnection(keepConnection());
    }

    Membership join(UUID group) {
        Membership m = Membership.join(dataSource(), group, options());
        members.add(m);
        return m;
    }

    @AfterEach
    void cleanUp() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        members.parallelStream().forEach(Membership::abort);
        closeResources();
    }

    /** Releases the subclass's pools, after every member stopped. */
    void closeResources() {}

    /** Awaits that these members agree: ACTIVE, stable, one epoch, ranks exactly 0..n-1. */
    static Map<Membership, Integer> awaitAgreement(List<Membership> ms, Duration within) {
        Map<Membership, Integer> ranks = new HashMap<>();
        await().atMost(within).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            List<View> views = ms.stream().map(Membership::view).toList();
            assertThat(views).allMatch(View::active, "active").allMatch(View::stable, "stable");
            assertThat(views).extracting(View::size).containsOnly(ms.size());
            assertThat(views.stream().map(View::epoch).distinct()).hasSize(1);
            assertThat(views)
                    .extracting(View::rank)
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, ms.size()).boxed().toList());
        });
        for (Membership m : ms) {
            ranks.put(m, m.view().rank());
        }
        return ranks;
    }

    @Test
    void fourMembers_getRanks0to3_fifthJoins_oneLeaves() {
        UUID group = UUID.randomUUID();
        List<Membership> ms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ms.add(join(group));
        }
        Map<Membership, Integer> four = awaitAgreement(ms, BOUND.multipliedBy(2));
        long epoch4 = ms.get(0).view().epoch();

        long t0 = System.nanoTime();
        Membership fifth = join(group);
        ms.add(fifth);
        Map<Membership, Integer> five = awaitAgreement(ms, BOUND);
        System.out.printf(
                "[%s] join converged in %d ms%n",
                getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(fifth.view().rank()).as("a joiner takes rank N").isEqualTo(4);
        four.forEach(
                (m, r) -> assertThat(five.get(m)).as("ranks are stable on join").isEqualTo(r));
        assertThat(fifth.view().epoch()).isGreaterThan(epoch4);

        Membership leaver =
                ms.stream().filter(m -> five.get(m) == 1).findFirst().orElseThrow();
        t0 = System.nanoTime();
        leaver.close();
        assertThat(leaver.view().state()).isEqualTo(MemberState.CLOSED);
        ms.remove(leaver);
        Map<Membership, Integer> after = awaitAgreement(ms, BOUND);
        System.out.printf(
                "[%s] leave converged in %d ms%n",
                getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(after.get(fifth)).as("the highest rank fills the leaver's").isEqualTo(1);
        ms.stream()
                .filter(m -> m != fifth)
                .forEach(m -> assertThat(after.get(m)).isEqualTo(five.get(m)));
    }

    @Test
    void twoGroups_onOneDatabase_doNotInterfere() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        List<Membership> ga = List.of(join(a), join(a));
        List<Membership> gb = List.of(join(b), join(b), join(b));
        awaitAgreement(ga, BOUND.multipliedBy(2));
        awaitAgreement(gb, BOUND.multipliedBy(2));
        assertThat(ga.get(0).view().members())
                .doesNotContainAnyElementsOf(gb.get(0).view().members());
    }

    @Test
    void crashedMember_isReplaced_withinLeaseTimeoutPlusHeartbeat() {
        UUID group = UUID.randomUUID();
        List<Membership> ms = new ArrayList<>(List.of(join(group), join(group), join(group)));
        awaitAgreement(ms, BOUND.multipliedBy(2));
        Membership victim = ms.get(0);
        long t0 = System.nanoTime();
        victim.abort();
        ms.remove(victim);
        awaitAgreement(ms, BOUND);
        System.out.printf(
                "[%s] crash converged in %d ms%n",
                getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** One callback invocation: who acted on which rank, when (System.nanoTime). */
    record Act(String member, int rank, long epoch, long from, long until) {}

    @Test
    void fiftyThreads_joiningAndLeavingAtRandom_neverShareARank() throws Exception {
        long seconds = Math.max(10, Long.getLong("membership.churn.seconds", 30));
        UUID group = UUID.randomUUID();
        ConcurrentLinkedQueue<Act> acts = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> badViews = new ConcurrentLinkedQueue<>();
        AtomicInteger joins = new AtomicInteger();
        AtomicInteger crashes = new AtomicInteger();
        CountDownLatch stop = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().name("churn-" + i).start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                try {
                    while (!stop.await(rnd.nextLong(0, 800), TimeUnit.MILLISECONDS)) {
                        Membership m = join(group);
                        joins.incrementAndGet();
                        m.onChange(v -> {
                            if (v.stable()
                                    && (v.members().size() != v.size()
                                            || new HashSet<>(v.members()).size() != v.size())) {
                                badViews.add(v.toString());
                            }
                        });
                        m.runEvery(Duration.ofMillis(100), (rank, size, epoch) -> {
                            long from = System.nanoTime();
                            LockSupportWork.spin(Duration.ofMillis(2));
                            acts.add(new Act(m.memberId(), rank, epoch, from, System.nanoTime()));
                        });
                        boolean stopped = stop.await(rnd.nextLong(300, 4000), TimeUnit.MILLISECONDS);
                        if (!stopped && rnd.nextInt(5) == 0) {
                            crashes.incrementAndGet();
                            m.abort();
                        } else {
                            m.close();
                        }
                        members.remove(m);
                        if (stopped) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        assertThat(stop.await(seconds, TimeUnit.SECONDS)).isFalse();
        stop.countDown();
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(30))).isTrue();
        }
        // After the churn, a fresh set must converge (and see no ghost from the crashed ones).
        List<Membership> last = List.of(join(group), join(group), join(group));
        awaitAgreement(last, BOUND.multipliedBy(2));

        List<Act> sorted = new ArrayList<>(acts);
        sorted.sort(Comparator.comparingInt(Act::rank).thenComparingLong(Act::from));
        List<String> overlaps = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            for (int j = i + 1; j < sorted.size(); j++) {
                Act a = sorted.get(i);
                Act b = sorted.get(j);
                if (b.rank() != a.rank() || b.from() >= a.until()) {
                    break;
                }
                if (!a.member().equals(b.member())) {
                    overlaps.add(a + " overlaps " + b);
                }
            }
        }
        System.out.printf(
                "[%s] churn: %d joins, %d crashes, %d actions over %d s%n",
                getClass().getSimpleName(), joins.get(), crashes.get(), acts.size(), seconds);
        assertThat(joins.get()).isGreaterThan(100);
        assertThat(acts.size()).isGreaterThan(500);
        assertThat(overlaps).as("actions on one rank by two members at once").isEmpty();
        assertThat(badViews).as("stable views whose ranks do not cover 0..N-1").isEmpty();
    }

    @Test
    void cutOffMember_fencesItself_withinLeaseTimeout_andRejoins() throws Exception {
        UUID group = UUID.randomUUID();
        try (Cuttable cuttable = cuttable()) {
            Membership victim = Membership.join(cuttable.dataSource(), group, options());
            members.add(victim);
            Membership witness = join(group);
            awaitAgreement(List.of(victim, witness), BOUND.multipliedBy(2));
            AtomicLong lastCall = new AtomicLong();
            AtomicLong fencedAt = new AtomicLong();
            victim.runEvery(Duration.ofMillis(50), new PeriodicWork() {
                @Override
                public void run(int rank, int size, long epoch) {
                    lastCall.set(System.nanoTime());
                }

                @Override
                public void fenced(long epoch) {
                    fencedAt.compareAndSet(0, System.nanoTime());
                }
            });
            await().atMost(Duration.ofSeconds(2)).until(() -> lastCall.get() != 0);

            long t0 = System.nanoTime();
            cuttable.cut();
            await().atMost(LEASE)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> victim.view().state() == MemberState.FENCED);
            long fencedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            await().atMost(Duration.ofSeconds(1)).until(() -> fencedAt.get() != 0);
            assertThat(lastCall.get()).as("no work after fencing").isLessThan(fencedAt.get());
            assertThat(victim.holds(witness.view().epoch())).isFalse();
            awaitAgreement(List.of(witness), BOUND);
            System.out.printf(
                    "[%s] cut-off member fenced after %d ms%n", getClass().getSimpleName(), fencedMs);

            cuttable.restore();
            awaitAgreement(List.of(victim, witness), BOUND.multipliedBy(2));
        }
    }

    // ------------------------------------------------------------------ processes

    /** A child JVM and everything it printed. */
    final class Child {
        final Process process;
        final List<String[]> lines = new CopyOnWriteArrayList<>();

        Child(UUID group) throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            ProcessBuilder pb = new ProcessBuilder(
                    java.toString(),
                    "-Xmx64m",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    cp,
                    MemberProcessMain.class.getName(),
                    jdbcUrl(),
                    group.toString(),
                    Long.toString(LEASE.toMillis()),
                    Long.toString(HEARTBEAT.toMillis()),
                    Long.toString(MARGIN.toMillis()),
                    "100");
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            process = pb.start();
            processes.add(process);
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line.split(" "));
                    }
                } catch (IOException e) {
                    // process ended
                }
            });
        }

        /** The last VIEW line, or null. */
        String[] lastView() {
            List<String[]> views =
                    lines.stream().filter(l -> l[0].equals("VIEW")).toList();
            return views.isEmpty() ? null : views.get(views.size() - 1);
        }

        long pid() {
            return process.pid();
        }
    }

    static void awaitChildren(List<Child> children, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            List<String[]> views = children.stream().map(Child::lastView).toList();
            assertThat(views).doesNotContainNull();
            assertThat(views).allMatch(v -> v[2].equals("ACTIVE") && v[6].equals("true"));
            assertThat(views).allMatch(v -> Integer.parseInt(v[4]) == children.size());
            assertThat(views.stream().map(v -> v[5]).distinct()).hasSize(1);
            assertThat(views)
                    .extracting(v -> Integer.parseInt(v[3]))
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, children.size()).boxed().toList());
        });
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void fourProcesses_sigkillAndSigstop_theRestRenegotiate_andTheStoppedOneNeverActsStale() throws Exception {
        UUID group = UUID.randomUUID();
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            children.add(new Child(group));
        }
        awaitChildren(children, Duration.ofSeconds(40));

        // SIGKILL one.
        Child killed = children.remove(0);
        long t0 = System.nanoTime();
        killed.process.destroyForcibly();
        awaitChildren(children, BOUND);
        System.out.printf(
                "[%s] SIGKILL converged in %d ms%n",
                getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        // SIGSTOP another past the lease timeout.
        Child stopped = children.remove(0);
        String[] before = stopped.lastView();
        long oldEpoch = Long.parseLong(before[5]);
        int oldRank = Integer.parseInt(before[3]);
        signal("STOP", stopped.pid());
        long stoppedAt = System.nanoTime();
        awaitChildren(children, BOUND);
        System.out.printf(
                "[%s] SIGSTOP converged in %d ms%n",
                getClass().getSimpleName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));
        long renegotiated = Long.parseLong(children.get(0).lastView()[5]);
        assertThat(renegotiated).isGreaterThan(oldEpoch);
        // The stopped one's old rank is now someone else's (or gone): resume it.
        long contAt = System.nanoTime();
        signal("CONT", stopped.pid());
        children.add(stopped);
        awaitChildren(children, BOUND.multipliedBy(2));

        List<String[]> staleCalls = stopped.lines.stream()
                .filter(l -> l[0].equals("CALL"))
                .filter(l -> Long.parseLong(l[1]) > stoppedAt)
                .filter(l -> Long.parseLong(l[4]) < renegotiated)
                .toList();
        assertThat(staleCalls)
                .as("callbacks with the stale epoch %d (rank %d) after SIGCONT at %d", oldEpoch, oldRank, contAt)
                .isEmpty();
        assertThat(stopped.lines.stream().anyMatch(l -> l[0].equals("FENCED")))
                .as("the stopped member's work was told it was fenced")
                .isTrue();
        assertThat(stopped.lines.stream()
                        .filter(l -> l[0].equals("CALL") && Long.parseLong(l[1]) > contAt)
                        .count())
                .as("the resumed member works again after rejoining")
                .isPositive();
        for (Child c : children) {
            c.process.getOutputStream().close(); // leave cleanly
        }
        for (Child c : children) {
            assertThat(c.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }
}
