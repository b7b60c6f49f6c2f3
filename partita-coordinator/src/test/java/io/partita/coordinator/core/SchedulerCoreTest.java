package io.partita.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The core's transitions one by one, with a fake clock, recording effects and no store. */
class SchedulerCoreTest {
    private final FakeClock clock = new FakeClock();
    private final RecordingEffects effects = new RecordingEffects();
    private final SchedulerCore core = new SchedulerCore(clock, 7, 100, effects);

    static final class FakeClock implements Clock {
        long nanos = 5_000_000_000L;

        @Override
        public long nanos() {
            return nanos;
        }

        @Override
        public long millis() {
            return nanos / 1_000_000;
        }

        void advance(Duration d) {
            nanos += d.toNanos();
        }
    }

    /** Records what the core asked of its shell. */
    static final class RecordingEffects implements Effects {
        final List<Lease> leased = new ArrayList<>();
        final List<Lease> revoked = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final List<Work> ended = new ArrayList<>();

        @Override
        public void leased(Holder holder, List<Lease> batch) {
            leased.addAll(batch);
        }

        @Override
        public void revoked(Holder holder, List<Lease> leases, String reason) {
            revoked.addAll(leases);
        }

        @Override
        public void attemptFailed(Lease lease, String error, int failures) {
            this.failures.add(error);
        }

        @Override
        public void ended(Work work) {
            ended.add(work);
        }

        List<Lease> of(Holder h) {
            return leased.stream().filter(l -> l.holder == h).toList();
        }
    }

    static final class Job extends TreeWork {
        Job(String id, long partitions, int maxAttempts, CompletionPolicy policy, int priority) {
            super(id, Duration.ofSeconds(1), maxAttempts, policy, priority, 0);
            if (partitions > 0) {
                start(partitions, null);
            }
        }

        @Override
        protected int fanIn(long partitions) {
            return 4;
        }
    }

    static final class Single extends SingleWork {
        Single(Kind kind, String id, boolean sub) {
            super(kind, id, Duration.ofSeconds(1), 3, kind == Kind.CALL, CompletionPolicy.FIRST_ANSWER, "f", sub, 0);
        }
    }

    private Job job(String id, long partitions, int maxAttempts) {
        Job job = new Job(id, partitions, maxAttempts, CompletionPolicy.FIRST_ANSWER, 0);
        core.add(job);
        return job;
    }

    private Holder holder(String id, int credits) {
        Holder h = core.connect(id, id, 64, w -> true);
        core.pull(h, credits);
        return h;
    }

    private void assertLedgerBalanced(Work... works) {
        assertThat(core.breaches(List.of(works))).isEmpty();
    }

    /** Answers and commits a lease. */
    private void finish(Lease lease) {
        assertThat(core.answer(lease.holder, lease.id(), 0, null)).isEqualTo(Verdict.ACCEPTED);
        assertThat(core.committed(core.acceptedLease())).isTrue();
        core.dispatchAll();
    }

    @Test
    void answerCommitted_marksTheTaskDone_andGivesTheCreditBackOnlyThen() {
        Job job = job("a", 2, 3);
        Holder h = holder("w1", 1);
        Lease lease = effects.of(h).get(0);
        assertThat(job.state(lease.key)).isEqualTo(TaskState.LEASED);
        assertThat(core.answer(h, lease.id(), 0, null)).isEqualTo(Verdict.ACCEPTED);
        assertThat(job.state(lease.key)).isEqualTo(TaskState.COMMITTING);
        assertThat(h.credits()).as("not before the commit").isZero();
        assertLedgerBalanced(job);
        core.committed(lease);
        core.dispatchAll();
        assertThat(job.state(lease.key)).isEqualTo(TaskState.DONE);
        assertThat(effects.of(h)).hasSize(2); // the credit came back and took the next task
        assertLedgerBalanced(job);
    }

    @Test
    void wholeJob_endsDoneOnceItsRootIsCommitted_andHoldsNothing() {
        Job job = job("a", 9, 3); // 9 partitions, fan-in 4: 3 combine nodes, 1 root
        Holder h = holder("w1", 5);
        for (int i = 0; i < 13; i++) {
            finish(effects.leased.get(i));
        }
        assertThat(job.status()).isEqualTo(Work.Status.DONE);
        assertThat(effects.ended).containsExactly(job);
        assertThat(h.held()).isZero();
        assertThat(h.credits()).isEqualTo(5);
    }

    @Test
    void answerOfAnAttemptTheHolderDoesNotHold_isNotHeld_andChangesNothing() {
        Job job = job("a", 4, 3);
        Holder owner = holder("w1", 1);
        Holder thief = holder("w2", 1);
        Lease lease = effects.of(owner).get(0);
        assertThat(core.answer(thief, lease.id(), 0, null)).isEqualTo(Verdict.NOT_HELD);
        assertThat(core.failure(thief, lease.id(), "x", true)).isEqualTo(Verdict.NOT_HELD);
        Lease.Id otherAttempt = new Lease.Id(job, lease.key, lease.attempt + 1);
        assertThat(core.answer(owner, otherAttempt, 0, null)).isEqualTo(Verdict.NOT_HELD);
        assertThat(job.state(lease.key)).isEqualTo(TaskState.LEASED);
        assertThat(job.failures(lease.key)).isZero();
        assertLedgerBalanced(job);
    }

    @Test
    void answerNamingAnotherJobsTask_reachesOnlyThatJobsLease() {
        // Issue 2's review: a crafted answer could alias another job's lease.
        Job a = job("a", 1, 3);
        Job b = job("b", 1, 3);
        Holder h = holder("w1", 2);
        Lease ofA = effects.of(h).get(0);
        Lease ofB = effects.of(h).get(1);
        assertThat(ofB.key).isEqualTo(ofA.key);
        assertThat(core.answer(h, new Lease.Id(b, ofA.key, ofA.attempt), 0, null))
                .isEqualTo(Verdict.ACCEPTED);
        assertThat(core.acceptedLease()).isSameAs(ofB);
        assertThat(a.state(ofA.key)).isEqualTo(TaskState.LEASED);
        assertThat(core.answer(h, new Lease.Id(a, TreeWork.key(0, 3), 1), 0, null))
                .isEqualTo(Verdict.NOT_HELD);
    }

    @Test
    void timedOutTaskReleasedToTheSameHolder_lateAnswerOfTheFirstAttemptCounts_andNoCreditLeaks() {
        // The regression of issue 2's review: leases keyed without the attempt lost this answer.
        Job job = job("a", 1, 3);
        Holder h = holder("w1", 2);
        Lease first = effects.of(h).get(0);
        clock.advance(Duration.ofSeconds(2));
        core.expire();
        assertThat(effects.revoked).containsExactly(first);
        assertThat(effects.failures).singleElement().asString().contains("timed out");
        Lease second = effects.of(h).get(1);
        assertThat(second.key).isEqualTo(first.key);
        assertThat(second.attempt).isEqualTo(2);
        assertThat(h.held())
                .as("the expired attempt still occupies its worker until answered")
                .isEqualTo(2);
        assertThat(core.answer(h, first.id(), 0, null)).isEqualTo(Verdict.ACCEPTED);
        core.committed(core.acceptedLease());
        assertThat(core.answer(h, second.id(), 0, null)).isEqualTo(Verdict.IGNORED);
        assertThat(job.status()).isEqualTo(Work.Status.DONE);
        assertThat(h.credits()).isEqualTo(2);
        assertThat(h.held()).isZero();
    }

    @Test
    void lateFailureOfAnExpiredAttempt_doesNotCountTwice() {
        Job job = job("a", 1, 5);
        Holder h = holder("w1", 1);
        Lease first = effects.of(h).get(0);
        clock.advance(Duration.ofSeconds(2));
        core.expire();
        assertThat(job.failures(first.key)).isEqualTo(1);
        assertThat(core.failure(h, first.id(), "interrupted", true)).isEqualTo(Verdict.IGNORED);
        assertThat(job.failures(first.key)).isEqualTo(1);
        assertLedgerBalanced(job);
    }

    @Test
    void jobFailingByTimeOut_whileItsHolderHoldsOtherLeases_failsCleanly() {
        // The "Lease sweep failed" ConcurrentModificationException: failing a job while expiring took
        // leases out of the map being iterated.
        Job doomed = job("a", 8, 1);
        Job other = new Job("b", 8, 3, CompletionPolicy.FIRST_ANSWER, -1);
        core.add(other);
        Holder h = holder("w1", 12);
        assertThat(effects.of(h)).hasSize(12);
        clock.advance(Duration.ofSeconds(2));
        core.expire();
        assertThat(doomed.status()).isEqualTo(Work.Status.FAILED);
        assertThat(doomed.error()).get().asString().contains("timed out").contains("(failed 1 of 1 attempts)");
        assertThat(effects.ended).contains(doomed);
        assertThat(h.liveLeases()).allMatch(l -> l.work == other);
        assertLedgerBalanced(doomed, other);
    }

    @Test
    void lostHolder_losesItsCurrentLeasesAtOnce_andTheyGoToOthers() {
        Job job = job("a", 2, 3);
        Holder a = holder("w1", 2);
        Holder b = core.connect("w2", "w2", 1, w -> true);
        assertThat(core.lose(a)).isEqualTo(2);
        assertThat(job.running()).isZero();
        core.pull(b, 2);
        assertThat(effects.of(b)).hasSize(2);
        assertThat(job.failures(effects.of(b).get(0).key))
                .as("a lost worker is not the task's fault")
                .isZero();
        assertThat(core.answer(a, effects.of(a).get(0).id(), 0, null)).isEqualTo(Verdict.NOT_HELD);
        assertLedgerBalanced(job);
    }

    @Test
    void lostHolder_countsAgainstACallsAttempts_butNotAJobs() {
        Single call = new Single(Work.Kind.CALL, "c1", false);
        core.add(call);
        for (int i = 1; i <= 3; i++) {
            Holder h = holder("w" + i, 1);
            assertThat(effects.of(h)).hasSize(1);
            core.lose(h);
        }
        assertThat(call.status()).isEqualTo(Work.Status.FAILED);
        assertThat(call.error()).get().asString().contains("(failed 3 of 3 attempts)");
    }

    @Test
    void nonRetryableFailure_failsTheWorkAtOnce() {
        Single call = new Single(Work.Kind.CALL, "c1", false);
        core.add(call);
        Holder h = holder("w1", 1);
        assertThat(core.failure(h, effects.of(h).get(0).id(), "boom", false)).isEqualTo(Verdict.FAILED);
        assertThat(call.status()).isEqualTo(Work.Status.FAILED);
        assertThat(call.error()).contains("boom");
    }

    @Test
    void failuresPastMaxAttempts_failTheJob_withTheLastError() {
        Job job = job("a", 1, 2);
        Holder h = holder("w1", 1);
        core.failure(h, effects.of(h).get(0).id(), "partition 0 (attempt 1): boom", true);
        assertThat(job.live()).isTrue();
        core.failure(h, effects.of(h).get(1).id(), "partition 0 (attempt 2): boom", true);
        assertThat(job.status()).isEqualTo(Work.Status.FAILED);
        assertThat(job.error()).contains("partition 0 (attempt 2): boom (failed 2 of 2 attempts)");
        assertThat(h.credits()).isEqualTo(1);
    }

    @Test
    void cancelledWork_releasesItsLeasesAndCredits_lateAnswersAreIgnored() {
        Job job = job("a", 5, 3);
        Holder h = holder("w1", 5);
        assertThat(core.end(job, Work.Status.CANCELLED, "cancelled")).isTrue();
        assertThat(h.credits()).isEqualTo(5);
        assertThat(h.held()).isZero();
        assertThat(core.answer(h, effects.of(h).get(0).id(), 0, null)).isEqualTo(Verdict.IGNORED);
        assertThat(core.end(job, Work.Status.CANCELLED, "again")).isFalse();
        assertThatThrownBy(() -> core.end(job("b", 1, 1), Work.Status.DONE, "no"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commitUnderAnotherEpoch_isRefused() {
        Job job = job("a", 1, 3);
        Holder h = holder("w1", 1);
        Lease lease = effects.of(h).get(0);
        assertThat(lease.epoch).isEqualTo(7);
        core.answer(h, lease.id(), 0, null);
        SchedulerCore successor = new SchedulerCore(clock, 8, 100, new RecordingEffects());
        assertThat(successor.committed(lease)).isFalse();
        assertThat(successor.commitFailed(lease)).isFalse();
        assertThat(job.state(lease.key)).isEqualTo(TaskState.COMMITTING);
    }

    @Test
    void failedCommit_makesTheTaskPendingAgain_andGivesTheCreditBack() {
        Job job = job("a", 1, 3);
        Holder h = holder("w1", 1);
        Lease lease = effects.of(h).get(0);
        core.answer(h, lease.id(), 0, null);
        core.commitFailed(lease);
        core.dispatchAll();
        assertThat(effects.of(h)).hasSize(2);
        assertThat(effects.of(h).get(1).attempt).isEqualTo(2);
        assertThat(job.failures(lease.key))
                .as("the store's failure is not the task's")
                .isZero();
        assertLedgerBalanced(job);
    }

    @Test
    void suspendedLease_givesItsCreditBack_doesNotExpire_andResumingMayRunIntoDebt() {
        Job job = job("a", 3, 3);
        Holder h = holder("w1", 1);
        Lease waiting = effects.of(h).get(0);
        core.suspend(h, List.of(waiting.id()), true);
        assertThat(effects.of(h)).hasSize(2); // its credit came back and took another task
        clock.advance(Duration.ofSeconds(5));
        core.expire();
        assertThat(waiting.expired()).as("a suspended task does not time out").isFalse();
        core.suspend(h, List.of(waiting.id()), false);
        assertThat(h.credits()).isZero();
        assertLedgerBalanced(job);
        finish(waiting);
        assertLedgerBalanced(job);
    }

    @Test
    void suspendedLease_timesOutAfterTenTimeLimits_asAFailedAttempt() {
        Job job = job("a", 3, 3);
        Holder h = holder("w1", 1);
        Lease waiting = effects.of(h).get(0);
        core.suspend(h, List.of(waiting.id()), true);
        clock.advance(Duration.ofMillis(SchedulerCore.SUSPEND_ROUNDS * 1000 - 1));
        core.expire();
        assertThat(waiting.expired()).isFalse();
        clock.advance(Duration.ofMillis(2));
        core.expire();
        assertThat(waiting.expired())
                .as("no worker holds a task forever by waiting")
                .isTrue();
        assertThat(effects.revoked).contains(waiting);
        assertThat(job.failures(waiting.key)).isEqualTo(1);
        assertLedgerBalanced(job);
    }

    @Test
    void suspensions_areBoundedPerHolder_pastTheBoundAnAttemptKeepsItsSlot() {
        Job job = job("a", 2 * SchedulerCore.MIN_SUSPENDED, 3);
        Holder h = core.connect("w1", "w1", 1, w -> true); // one slot: the bound is the minimum
        core.pull(h, 1);
        for (int i = 0; i < SchedulerCore.MIN_SUSPENDED; i++) {
            List<Lease> mine = effects.of(h);
            core.suspend(h, List.of(mine.get(mine.size() - 1).id()), true);
        }
        assertThat(effects.of(h)).hasSize(SchedulerCore.MIN_SUSPENDED + 1);
        List<Lease> mine = effects.of(h);
        Lease last = mine.get(mine.size() - 1);
        core.suspend(h, List.of(last.id()), true);
        assertThat(last.suspended()).as("one suspension too many is ignored").isFalse();
        assertThat(effects.of(h)).as("so no credit comes back").hasSize(SchedulerCore.MIN_SUSPENDED + 1);
        assertLedgerBalanced(job);
    }

    @Test
    void returnedTasks_runNextAndDoNotCount() {
        Job job = job("a", 3, 3);
        Holder h = holder("w1", 2);
        core.drain(h);
        Lease first = effects.of(h).get(0);
        core.returned(h, List.of(first.id()));
        assertThat(h.held()).isEqualTo(1);
        assertThat(h.credits()).as("a draining holder gets no credit back").isZero();
        Holder other = holder("w2", 1);
        assertThat(effects.of(other).get(0).key).isEqualTo(first.key);
        assertThat(job.failures(first.key)).isZero();
        assertLedgerBalanced(job);
    }

    @Test
    void dispatch_servesLogsThenCallsSubCallsNewestFirst_thenJobsByPriority() {
        Job low = new Job("low", 1, 3, CompletionPolicy.FIRST_ANSWER, 0);
        Job high = new Job("high", 1, 3, CompletionPolicy.FIRST_ANSWER, 5);
        core.add(low);
        core.add(high);
        Single root = new Single(Work.Kind.CALL, "root", false);
        Single sub1 = new Single(Work.Kind.CALL, "sub1", true);
        Single sub2 = new Single(Work.Kind.CALL, "sub2", true);
        Single logTask = new Single(Work.Kind.LOG, "log", false);
        core.add(root);
        core.add(sub1);
        core.add(sub2);
        core.add(logTask);
        Holder h = holder("w1", 10);
        assertThat(effects.of(h).stream().map(l -> l.work.id))
                .containsExactly("log", "sub2", "sub1", "root", "high", "low");
    }

    /** Runs the holder's leases to completion one at a time, oldest first, for {@code tasks} answers. */
    private void runFor(int tasks) {
        for (int i = 0; i < tasks; i++) {
            Lease next = null;
            for (Lease l : effects.leased) {
                if (l.work.live() && l.work.isCurrent(l) && l.work.state(l.key) == TaskState.LEASED) {
                    next = l;
                    break;
                }
            }
            if (next == null) {
                return;
            }
            finish(next);
        }
    }

    private Job tenantJob(String id, String tenant, long partitions, int priority) {
        Job job = new Job(id, partitions, 3, CompletionPolicy.FIRST_ANSWER, priority);
        job.tenant(tenant);
        core.add(job);
        return job;
    }

    @Test
    void fairShare_twoTenants_aHundredTimesMorePartitionsDoesNotHoldTheOtherBack() {
        Job big = tenantJob("big", "lab", 10_000, 0);
        Job small = tenantJob("small", "class", 100, 0);
        Holder h = holder("w1", 8);
        assertThat(effects.of(h)).extracting(l -> l.work.id).containsOnly("big", "small");
        assertThat(effects.of(h).stream().filter(l -> l.work == small)).hasSize(4);
        runFor(300);
        // The small job's 135 tasks (100 partitions, 35 combines) got half of the first 270 answers,
        // while by priority and age it would not have had a single task yet.
        assertThat(small.status()).isEqualTo(Work.Status.DONE);
        assertThat(big.doneComputes()).isBetween(100L, 200L);
        assertLedgerBalanced(big, small);
    }

    @Test
    void fairShare_withinATenant_priorityStillDecides_andWeightsShareUnevenly() {
        core.weigh("lab", 3);
        Job labLow = tenantJob("labLow", "lab", 1000, 0);
        Job labHigh = tenantJob("labHigh", "lab", 1000, 5);
        Job other = tenantJob("other", "class", 1000, 9);
        Holder h = holder("w1", 8);
        long high = effects.of(h).stream().filter(l -> l.work == labHigh).count();
        long low = effects.of(h).stream().filter(l -> l.work == labLow).count();
        long others = effects.of(h).stream().filter(l -> l.work == other).count();
        assertThat(low)
                .as("the tenant's lower-priority job waits for its higher one")
                .isZero();
        assertThat(high).isEqualTo(6);
        assertThat(others).isEqualTo(2);
        assertLedgerBalanced(labLow, labHigh, other);
    }

    @Test
    void fairShare_aTenantHeldToItsTasksInFlight_leavesTheRestIdle() {
        core.limitTenantInFlight(3);
        Job job = tenantJob("a", "lab", 100, 0);
        Holder h = holder("w1", 8);
        assertThat(effects.of(h)).hasSize(3);
        finish(effects.of(h).get(0));
        assertThat(effects.of(h)).as("one back in flight after one answer").hasSize(4);
        assertThat(job.running()).isEqualTo(3);
        assertLedgerBalanced(job);
    }

    @Test
    void fairShare_onceOnlyOneTenantIsLeft_itsJobsGoByPriorityAgain() {
        Job small = tenantJob("small", "class", 2, 0);
        Job big = tenantJob("big", "lab", 50, 0);
        Holder h = holder("w1", 2);
        runFor(20);
        assertThat(small.status()).isEqualTo(Work.Status.DONE);
        assertThat(big.live()).isTrue();
        Job second = tenantJob("second", "lab", 50, 1);
        runFor(2);
        assertThat(second.running())
                .as("priority within the one remaining tenant")
                .isEqualTo(2);
        assertLedgerBalanced(big, second);
    }

    @Test
    void holder_getsOnlyWorkItCanRun() {
        job("a", 2, 3);
        Holder picky = core.connect("w1", "w1", 4, w -> w.id.equals("b"));
        core.pull(picky, 4);
        assertThat(effects.of(picky)).isEmpty();
        job("b", 1, 3);
        core.dispatchAll();
        assertThat(effects.of(picky)).singleElement().matches(l -> l.work.id.equals("b"));
    }

    @Test
    void quorum_needsKMatchingAnswersFromDistinctHosts_andRunsMoreReplicasOnAMismatch() {
        Job job = new Job("q", 1, 3, CompletionPolicy.quorum(2, 4), 0);
        core.add(job);
        Holder a = core.connect("w1", "host-a", 1, w -> true);
        Holder a2 = core.connect("w2", "host-a", 1, w -> true); // same host: never part of the quorum
        Holder b = core.connect("w3", "host-b", 1, w -> true);
        Holder c = core.connect("w4", "host-c", 1, w -> true);
        core.pull(a, 1);
        core.pull(a2, 1);
        assertThat(effects.of(a)).hasSize(1);
        assertThat(effects.of(a2))
                .as("a second replica never goes to the same host")
                .isEmpty();
        core.pull(b, 1);
        assertThat(effects.of(b)).hasSize(1);
        assertThat(job.state(effects.of(a).get(0).key)).isEqualTo(TaskState.LEASED);
        assertThat(core.answer(a, effects.of(a).get(0).id(), 111, "A")).isEqualTo(Verdict.RECORDED);
        assertThat(core.answer(b, effects.of(b).get(0).id(), 222, "B")).isEqualTo(Verdict.RECORDED);
        assertThat(job.state(effects.of(a).get(0).key))
                .as("a mismatch wants a third")
                .isEqualTo(TaskState.PENDING);
        core.pull(c, 1);
        assertThat(core.answer(c, effects.of(c).get(0).id(), 111, "C")).isEqualTo(Verdict.ACCEPTED);
        assertThat(core.acceptedPayload()).isIn("A", "C");
        assertThat(core.committed(core.acceptedLease())).isTrue();
        assertThat(job.status()).isEqualTo(Work.Status.DONE);
        assertLedgerBalanced(job);
    }

    @Test
    void quorum_failsTheTaskWhenNoAgreementWithinTheBound() {
        Job job = new Job("q", 1, 3, CompletionPolicy.quorum(2, 2), 0);
        core.add(job);
        Holder a = core.connect("w1", "host-a", 1, w -> true);
        Holder b = core.connect("w2", "host-b", 1, w -> true);
        core.pull(a, 1);
        core.pull(b, 1);
        core.answer(a, effects.of(a).get(0).id(), 1, null);
        core.answer(b, effects.of(b).get(0).id(), 2, null);
        assertThat(job.status()).isEqualTo(Work.Status.FAILED);
        assertThat(job.error()).get().asString().contains("no quorum(2 of at most 2)");
    }

    @Test
    void trustedOnly_isNeverLeasedToAnUntrustedHolder() {
        Job job = new Job("t", 3, 3, CompletionPolicy.trustedOnly(), 0);
        core.add(job);
        Holder stranger = holder("w1", 10);
        assertThat(effects.of(stranger)).isEmpty();
        Holder trusted = core.connect("w2", "w2", Trust.TRUSTED, new Reputation("w2"), 4, w -> true);
        core.pull(trusted, 10);
        assertThat(effects.of(trusted)).hasSize(3);
        assertLedgerBalanced(job);
    }

    @Test
    void quorum_aTrustedAnswerSettlesATaskAlone_andJudgesTheUntrustedOnes() {
        Job job = new Job("q", 1, 3, CompletionPolicy.quorum(2, 4), 0);
        core.add(job);
        Reputation liarRecord = new Reputation("liar");
        Holder liar = core.connect("w1", "host-l", Trust.UNTRUSTED, liarRecord, 1, w -> true);
        core.pull(liar, 1);
        Lease lie = effects.of(liar).get(0);
        assertThat(core.answer(liar, lie.id(), 666, null)).isEqualTo(Verdict.RECORDED);
        Holder trusted = core.connect("w2", "host-t", Trust.TRUSTED, new Reputation("t"), 1, w -> true);
        core.pull(trusted, 1);
        Lease honest = effects.of(trusted).get(0);
        assertThat(core.answer(trusted, honest.id(), 42, null)).isEqualTo(Verdict.ACCEPTED);
        assertThat(core.acceptedLease()).isSameAs(honest);
        assertThat(liarRecord.invalid()).isEqualTo(1);
        assertThat(liarRecord.consecutive()).isZero();
        assertLedgerBalanced(job);
    }

    /** Each host answers what it was sent, round robin, and asks for one more; returns answers given. */
    private long round(Holder[] hosts, int[] seen, Holder liar, long[] tasks) {
        long answers = 0;
        for (int i = 0; i < hosts.length; i++) {
            Holder h = hosts[i];
            core.pull(h, 1);
            List<Lease> mine = effects.of(h);
            for (; seen[i] < mine.size(); seen[i]++) {
                Lease lease = mine.get(seen[i]);
                answers++;
                long digest = h == liar ? -1 - lease.key : lease.key;
                if (core.answer(h, lease.id(), digest, null) == Verdict.ACCEPTED) {
                    core.committed(core.acceptedLease());
                    tasks[0]++;
                }
            }
        }
        return answers;
    }

    @Test
    void adaptive_trustsAHostAfterARunOfValidatedAnswers_checksAFallingFraction_andResetsOnALie() {
        CompletionPolicy adaptive = CompletionPolicy.adaptive(2, 5, 10);
        Reputation[] records = new Reputation[4];
        Holder[] hosts = new Holder[4];
        for (int i = 0; i < 4; i++) {
            records[i] = new Reputation("host-" + i);
            hosts[i] = core.connect("w" + i, "host-" + i, Trust.UNTRUSTED, records[i], 1, w -> true);
        }
        Job job = new Job("a", 4000, 3, adaptive, 0);
        core.add(job);
        int[] seen = new int[4];
        long[] tasks = {0};
        long answers = 0;
        long warmUpAnswers = 0;
        long warmUpTasks = 0;
        while (job.live()) {
            long given = round(hosts, seen, null, tasks);
            assertThat(given).as("progress").isPositive();
            answers += given;
            if (tasks[0] < 400) {
                warmUpAnswers = answers;
                warmUpTasks = tasks[0];
            }
        }
        assertThat(job.status()).isEqualTo(Work.Status.DONE);
        double extra = (double) (answers - warmUpAnswers) / (tasks[0] - warmUpTasks) - 1;
        assertThat(extra).as("extra work after warm-up").isLessThan(0.15);
        assertThat((double) warmUpAnswers / warmUpTasks - 1)
                .as("extra work in the warm-up")
                .isGreaterThan(extra);
        for (Reputation r : records) {
            assertThat(r.consecutive()).isGreaterThanOrEqualTo(10);
            assertThat(r.unchecked()).isGreaterThan(0);
            assertThat(r.invalid()).isZero();
        }

        // The host then lies on every task: a check catches it and its run starts again from zero.
        Job next = new Job("b", 2000, 3, adaptive, 0);
        core.add(next);
        while (next.live() && records[0].invalid() == 0) {
            round(hosts, seen, hosts[0], tasks);
        }
        assertThat(records[0].invalid()).isEqualTo(1);
        assertThat(records[0].consecutive()).isZero();
        assertThat(core.breaches(List.of(job, next))).isEmpty();
    }
}
