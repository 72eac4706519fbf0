package io.turnpike.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sheds normal-priority calls when the service is at its in-flight limit
 * ({@code priority.maxInFlight}); high-priority calls still pass, up to a hard cap above the
 * limit so they cannot pile up without end either. A limit of 0 turns shedding off.
 */
public final class LoadShedder {
    /** High-priority calls may take the service this far past the limit. */
    static final double HIGH_PRIORITY_HEADROOM = 1.2;
    /** What a shed client is told to wait: short, since a burst usually passes within a second. */
    static final long RETRY_AFTER_NANOS = 1_000_000_000L;
    private static final Admission OVERLOADED = new Admission(Admission.Reason.OVERLOADED, RETRY_AFTER_NANOS);

    private final int limit;
    private final long hardCap;
    private final AtomicLong inFlight = new AtomicLong();

    /** No shedding. */
    public LoadShedder() {
        this(0);
    }

    /** @param maxInFlight requests at once before normal-priority calls are shed; 0 = never shed */
    public LoadShedder(int maxInFlight) {
        this.limit = Math.max(0, maxInFlight);
        this.hardCap = Math.max(limit + 1L, (long) Math.ceil(limit * HIGH_PRIORITY_HEADROOM));
    }

    /** Null to let the call through, else a refusal (overloaded). */
    public Admission admit(boolean highPriority, long nowNanos) {
        if (limit == 0) return null;
        long n = inFlight.incrementAndGet();
        if (n > (highPriority ? hardCap : limit)) {
            inFlight.decrementAndGet();
            return OVERLOADED;
        }
        return null;
    }

    /** An admitted request is done. */
    public void onRequestEnd() {
        if (limit != 0) inFlight.decrementAndGet();
    }

    /** Admitted requests not yet done (0 when shedding is off: then nothing is counted). */
    public long inFlight() {
        return inFlight.get();
    }

    public int limit() {
        return limit;
    }
}
