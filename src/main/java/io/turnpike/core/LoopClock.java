package io.turnpike.core;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Ticker;

/**
 * The time of the network event an event loop is handling, read once per event instead of at
 * every step of the request (nginx keeps its time the same way, once per loop iteration). One
 * request read from a socket starts the exchange, runs its policies, picks a node, starts the span
 * and sends the request; one response read ends the exchange, records its metrics and analytics
 * and logs it. Each step asked the clock, about twenty readings per request, and in a virtual
 * machine a reading costs tens of nanoseconds: about 2% of the loop's time.
 *
 * <p>The handler that first sees a read ({@link #enter}/{@link #exit} around it) reads the loop's
 * {@link Ticker}; everything the read causes on that thread sees the same instant. Outside a read
 * (timers, other threads) every call reads the clock itself, so a caller never gets a time older
 * than the event it runs in. Durations measured between two reads lose the work done inside the
 * later event, a few microseconds.
 *
 * <p>{@link #nanoTime(EventExecutor)} is on the loop's ticker (what Netty schedules with; a test's
 * loop may run a mock one); {@link #systemNanoTime()} and {@link #currentTimeMillis()} are on the
 * system clocks and use the cached time only when the loop runs on the system ticker.
 */
public final class LoopClock {
    private static final FastThreadLocal<LoopClock> CLOCKS = new FastThreadLocal<>() {
        @Override
        protected LoopClock initialValue() {
            return new LoopClock();
        }
    };
    private static final Ticker SYSTEM = Ticker.systemTicker();
    /** How often the wall clock is read again, so an adjusted system time is followed. */
    private static final long WALL_RESYNC_NANOS = 1_000_000_000L;

    private int depth;
    private Ticker ticker;
    private long nanos;
    private long wallBaseMillis;
    private long wallBaseNanos;
    private boolean wallBased;

    private LoopClock() {}

    /** {@code loop.ticker().nanoTime()}, as of the start of the read this thread is handling. */
    public static long nanoTime(EventExecutor loop) {
        LoopClock c = CLOCKS.get();
        Ticker t = loop.ticker();
        return c.depth > 0 && c.ticker == t ? c.nanos : t.nanoTime();
    }

    /** {@link System#nanoTime()}, as of the start of the read this thread is handling. */
    public static long systemNanoTime() {
        LoopClock c = CLOCKS.get();
        return c.depth > 0 && c.ticker == SYSTEM ? c.nanos + SYSTEM.initialNanoTime() : System.nanoTime();
    }

    /** {@link System#currentTimeMillis()}, as of the start of the read this thread is handling. */
    public static long currentTimeMillis() {
        LoopClock c = CLOCKS.get();
        return c.depth > 0 && c.ticker == SYSTEM ? c.wallMillis() : System.currentTimeMillis();
    }

    /**
     * A read starts on {@code loop} (a nested read keeps the outer one's time). Every
     * {@code enter} must be paired with an {@link #exit} in a {@code finally}.
     */
    public static void enter(EventExecutor loop) {
        LoopClock c = CLOCKS.get();
        if (c.depth++ == 0) {
            Ticker t = loop.ticker();
            c.ticker = t;
            c.nanos = t.nanoTime();
        }
    }

    public static void exit() {
        LoopClock c = CLOCKS.get();
        if (--c.depth == 0) c.ticker = null;
    }

    private long wallMillis() {
        if (!wallBased || nanos - wallBaseNanos >= WALL_RESYNC_NANOS) {
            wallBaseMillis = System.currentTimeMillis();
            wallBaseNanos = nanos;
            wallBased = true;
            return wallBaseMillis;
        }
        return wallBaseMillis + (nanos - wallBaseNanos) / 1_000_000L;
    }
}
