package io.turnpike.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoopClockTest {
    private static final EventExecutor LOOP = ImmediateEventExecutor.INSTANCE; // on the system ticker

    private static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) Thread.onSpinWait();
    }

    @Test
    void insideAReadEveryCallSeesTheTimeTheReadStarted() {
        LoopClock.nanoTime(LOOP); // the class and its thread-local are loaded before the clocks are read below
        long before = System.currentTimeMillis();
        long beforeNanos = System.nanoTime();
        LoopClock.enter(LOOP);
        try {
            long first = LoopClock.nanoTime(LOOP);
            long system = LoopClock.systemNanoTime();
            long wall = LoopClock.currentTimeMillis();
            spin(3_000_000);
            assertThat(LoopClock.nanoTime(LOOP)).isEqualTo(first);
            assertThat(LoopClock.systemNanoTime()).isEqualTo(system).isBetween(beforeNanos, beforeNanos + 1_000_000);
            assertThat(LoopClock.currentTimeMillis()).isEqualTo(wall);
            assertThat(wall).isBetween(before - 2, before + 3); // a derived wall time is within a millisecond or two
        } finally {
            LoopClock.exit();
        }
    }

    @Test
    void aNestedReadKeepsTheOuterTimeAndTheClockRunsAgainAfterTheLastExit() {
        long outer;
        LoopClock.enter(LOOP);
        try {
            outer = LoopClock.nanoTime(LOOP);
            spin(1_000_000);
            LoopClock.enter(LOOP);
            try {
                assertThat(LoopClock.nanoTime(LOOP)).isEqualTo(outer);
            } finally {
                LoopClock.exit();
            }
            assertThat(LoopClock.nanoTime(LOOP)).isEqualTo(outer);
        } finally {
            LoopClock.exit();
        }
        assertThat(LoopClock.nanoTime(LOOP)).isGreaterThanOrEqualTo(outer + 1_000_000);
        long a = LoopClock.systemNanoTime();
        spin(1_000_000);
        assertThat(LoopClock.systemNanoTime()).isGreaterThanOrEqualTo(a + 1_000_000);
    }

    @Test
    void theNextReadGetsANewTimeAndTheWallClockFollowsIt() {
        long[] nanos = new long[2];
        long[] wall = new long[2];
        for (int i = 0; i < 2; i++) {
            LoopClock.enter(LOOP);
            try {
                nanos[i] = LoopClock.nanoTime(LOOP);
                wall[i] = LoopClock.currentTimeMillis();
            } finally {
                LoopClock.exit();
            }
            spin(20_000_000);
        }
        assertThat(nanos[1] - nanos[0]).isGreaterThanOrEqualTo(20_000_000);
        assertThat(wall[1] - wall[0]).isBetween(19L, 21L + (nanos[1] - nanos[0]) / 1_000_000);
    }

    @Test
    void aLoopOnAnotherTickerGetsItsOwnTimeAndNeverTheCachedOne() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        EventExecutor mock = ch.eventLoop();
        long start = mock.ticker().nanoTime();
        LoopClock.enter(LOOP);
        try {
            assertThat(LoopClock.nanoTime(mock)).isEqualTo(start); // not the system loop's cached time
        } finally {
            LoopClock.exit();
        }
        LoopClock.enter(mock);
        try {
            ch.advanceTimeBy(5, TimeUnit.SECONDS);
            assertThat(LoopClock.nanoTime(mock)).isEqualTo(start); // the time the read started
            long system = System.nanoTime();
            assertThat(LoopClock.systemNanoTime()).isGreaterThanOrEqualTo(system); // the mock's time is not the system's
        } finally {
            LoopClock.exit();
        }
        assertThat(LoopClock.nanoTime(mock)).isEqualTo(start + TimeUnit.SECONDS.toNanos(5));
        ch.finishAndReleaseAll();
    }

    @Test
    void anotherThreadReadsItsOwnClockWhileThisOneIsInARead() throws Exception {
        LoopClock.enter(LOOP);
        try {
            long mine = LoopClock.nanoTime(LOOP);
            spin(2_000_000);
            AtomicLong theirs = new AtomicLong();
            Thread t = new Thread(() -> theirs.set(LoopClock.nanoTime(LOOP)));
            t.start();
            t.join();
            assertThat(theirs.get()).isGreaterThanOrEqualTo(mine + 2_000_000);
        } finally {
            LoopClock.exit();
        }
    }
}
