package io.partita.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlotsTest {

    @Test
    void runsAtMostSlotsTasks_notCountingSuspendedOnes_andResumedTasksGoFirst() throws Exception {
        Slots slots = new Slots(2, r -> Thread.ofPlatform().daemon(true).unstarted(r));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(12);
        // Two tasks that wait (as for a grid call) would fill both slots; suspended, they do not.
        for (int i = 0; i < 2; i++) {
            slots.execute(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                running.decrementAndGet();
                slots.suspend();
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                slots.resume();
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                running.decrementAndGet();
                done.countDown();
            });
        }
        CountDownLatch others = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            slots.execute(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                running.decrementAndGet();
                others.countDown();
                done.countDown();
            });
        }
        assertThat(others.await(10, TimeUnit.SECONDS))
                .as("queued tasks ran while the first two waited")
                .isTrue();
        answer.countDown();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(most.get()).isLessThanOrEqualTo(2);
        // A task counts its latch down before its slot is given back: the count reaches zero just after.
        await().atMost(Duration.ofSeconds(5)).until(() -> slots.load()[0] == 0);
        slots.shutdownNow();
    }
}
