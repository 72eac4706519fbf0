package io.turnpike.upstream.breaker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@code size} calls, counted lock-free: a ring of per-call marks and two running
 * counts. A new window is made for every closed period, so nothing ever needs resetting.
 * Under races the counts may be off by a call for an instant; they never drift, because each
 * slot's old mark is taken out exactly when its new one goes in.
 */
final class CallWindow {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int SLOW = 2;
    static final int SLOW_FAILED = 3;

    private final AtomicReferenceArray<Integer> slots; // Integer.valueOf(0..3) is cached: no allocation
    private final AtomicLong calls = new AtomicLong();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger slow = new AtomicInteger();

    CallWindow(int size) {
        this.slots = new AtomicReferenceArray<>(size);
    }

    /** Records one call and returns the calls now in the window. */
    int record(int mark) {
        long i = calls.getAndIncrement();
        Integer old = slots.getAndSet((int) (i % slots.length()), mark);
        int o = old == null ? OK : old;
        int df = (mark & FAILED) - (o & FAILED);
        int ds = ((mark & SLOW) - (o & SLOW)) >> 1;
        if (df != 0) failures.addAndGet(df);
        if (ds != 0) slow.addAndGet(ds);
        return (int) Math.min(i + 1, slots.length());
    }

    int size() { return slots.length(); }
    int calls() { return (int) Math.min(calls.get(), slots.length()); }
    int failures() { return failures.get(); }
    int slow() { return slow.get(); }
}
