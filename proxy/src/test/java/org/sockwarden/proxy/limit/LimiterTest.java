package org.sockwarden.proxy.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;

class LimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void requestsAndStreamsAreCountedApartAndEachSlotGoesBackOnce() {
        Limiter limiter = new Limiter();
        ClientLimits limits = ClientLimits.parse("max-requests=2 max-streams=1");
        Limiter.Slot a = (Limiter.Slot) limiter.admit("ci", limits, Operation.CONTAINERS_LIST);
        Limiter.Slot b = (Limiter.Slot) limiter.admit("ci", limits, Operation.CONTAINERS_INSPECT);
        Limiter.Slot logs = (Limiter.Slot) limiter.admit("ci", limits, Operation.CONTAINERS_LOGS);
        assertThat(limiter.counts("ci")).isEqualTo(new Limiter.Counts(2, 1));

        Limiter.Refusal third = (Limiter.Refusal) limiter.admit("ci", limits, Operation.CONTAINERS_LIST);
        assertThat(third.limit()).isEqualTo(Limit.MAX_REQUESTS);
        assertThat(third.retryAfterSeconds()).isEqualTo(1);
        assertThat(third.message()).isEqualTo("sockwarden: client \"ci\" has 2 requests running, its limit (--max-requests 2);"
                + " retry when one of them has ended");
        Limiter.Refusal exec = (Limiter.Refusal) limiter.admit("ci", limits, Operation.EXEC_START);
        assertThat(exec.limit()).isEqualTo(Limit.MAX_STREAMS);
        assertThat(exec.message()).isEqualTo("sockwarden: client \"ci\" has 1 streams and sessions open, its limit (--max-streams 1);"
                + " exec.start is one, retry when one of them has ended");
        // Other clients have counts of their own.
        assertThat(limiter.admit("other", limits, Operation.CONTAINERS_LIST)).isInstanceOf(Limiter.Slot.class);
        assertThat(limiter.counts("ci")).as("refusals hold nothing").isEqualTo(new Limiter.Counts(2, 1));

        a.release();
        a.release();
        a.release();
        assertThat(limiter.counts("ci")).as("a slot goes back once").isEqualTo(new Limiter.Counts(1, 1));
        b.release();
        logs.release();
        assertThat(limiter.counts("ci")).isEqualTo(new Limiter.Counts(0, 0));
        assertThat(limiter.counts("never-limited")).isEqualTo(new Limiter.Counts(0, 0));
    }

    @Test
    void pingIsNeitherLimitedNorCounted() {
        Limiter limiter = new Limiter();
        ClientLimits limits = ClientLimits.parse("max-requests=1 rate=1/m");
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.admit("ci", limits, Operation.SYSTEM_PING)).isSameAs(Limiter.Slot.NONE);
        }
        assertThat(limiter.admit("ci", limits, Operation.SYSTEM_VERSION)).isInstanceOf(Limiter.Slot.class);
    }

    @Test
    void noMoreThanTheLimitRunAtOnceUnderContentionAndAllGoBack() throws Exception {
        Limiter limiter = new Limiter();
        ClientLimits limits = ClientLimits.parse("max-requests=3 max-streams=2");
        AtomicInteger[] running = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger[] highest = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger admitted = new AtomicInteger();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int kind = t % 2;
            Operation op = kind == 0 ? Operation.CONTAINERS_LIST : Operation.CONTAINERS_LOGS;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (limiter.admit("ci", limits, op) instanceof Limiter.Slot slot) {
                        int now = running[kind].incrementAndGet();
                        highest[kind].accumulateAndGet(now, Math::max);
                        admitted.incrementAndGet();
                        Thread.yield();
                        running[kind].decrementAndGet();
                        slot.release();
                        slot.release();
                    }
                }
            });
            th.start();
            all.add(th);
        }
        start.countDown();
        for (Thread th : all) {
            th.join(60_000);
            assertThat(th.isAlive()).isFalse();
        }
        assertThat(highest[0].get()).as("requests at once").isLessThanOrEqualTo(3);
        assertThat(highest[1].get()).as("streams at once").isLessThanOrEqualTo(2);
        assertThat(admitted.get()).isPositive();
        assertThat(limiter.counts("ci")).isEqualTo(new Limiter.Counts(0, 0));
    }

    @Test
    void theBucketHoldsItsBurstAndRefillsOneTokenPerInterval() {
        Limiter.Usage usage = new Limiter.Usage();
        Rate rate = new Rate(3, Rate.Per.MINUTE); // a token every 20 s, bursts of 3
        long t0 = System.nanoTime();
        assertThat(usage.take(rate, t0)).isZero();
        assertThat(usage.take(rate, t0)).isZero();
        assertThat(usage.take(rate, t0)).isZero();
        assertThat(usage.take(rate, t0)).as("wait for the next token").isEqualTo(20 * SECOND);
        assertThat(usage.take(rate, t0 + 5 * SECOND)).isEqualTo(15 * SECOND);
        assertThat(usage.take(rate, t0 + 20 * SECOND)).as("one token came back").isZero();
        assertThat(usage.take(rate, t0 + 20 * SECOND)).isEqualTo(20 * SECOND);
        // Quiet for long: the bucket is full again, and holds no more than its burst.
        long later = t0 + 3_600 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertThat(usage.take(rate, later)).isZero();
        }
        assertThat(usage.take(rate, later)).isPositive();
    }

    @Test
    void aFasterRateAppliesAtOnceToABucketTheSlowerOneEmptied() {
        Limiter.Usage usage = new Limiter.Usage();
        long t0 = System.nanoTime();
        Rate slow = new Rate(1, Rate.Per.MINUTE);
        assertThat(usage.take(slow, t0)).isZero();
        assertThat(usage.take(slow, t0)).isEqualTo(60 * SECOND);
        Rate fast = new Rate(10, Rate.Per.SECOND);
        assertThat(usage.take(fast, t0)).as("an empty bucket of the new rate: one interval").isEqualTo(SECOND / 10);
        assertThat(usage.take(fast, t0 + SECOND / 10)).isZero();
    }

    @Test
    void aRefusedRateSaysWhenToRetryAndHoldsNoSlot() {
        Limiter limiter = new Limiter();
        ClientLimits limits = ClientLimits.parse("max-requests=10 rate=2/m");
        limiter.admit("ci", limits, Operation.CONTAINERS_LIST);
        limiter.admit("ci", limits, Operation.CONTAINERS_LIST);
        Limiter.Refusal r = (Limiter.Refusal) limiter.admit("ci", limits, Operation.CONTAINERS_LIST);
        assertThat(r.limit()).isEqualTo(Limit.RATE);
        assertThat(r.retryAfterSeconds()).isBetween(1L, 30L);
        assertThat(r.message()).isEqualTo("sockwarden: client \"ci\" sends requests faster than its rate (--rate 2/m, bursts of up to 2);"
                + " retry in " + r.retryAfterSeconds() + " s");
        assertThat(limiter.counts("ci")).isEqualTo(new Limiter.Counts(2, 0));
    }
}
