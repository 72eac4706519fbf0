package io.turnpike.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a service's retries to a share of its requests, so retries cannot multiply an outage:
 * every request deposits {@code share} of a token, every retry spends a whole one, and the
 * balance is capped (the burst allowed after a quiet spell). Lock-free; shared by all event loops.
 */
public final class RetryBudget {
    private static final long SCALE = 1000;

    private final long deposit;
    private final long cap;
    private final AtomicLong balance;

    /** @param share retries per request, e.g. 0.2; @param burst retries allowed before any request */
    public RetryBudget(double share, int burst) {
        this.deposit = Math.round(share * SCALE);
        this.cap = burst * SCALE;
        this.balance = new AtomicLong(cap);
    }

    /** A request arrived: its share of a retry goes into the budget. */
    public void onRequest() {
        long b;
        do {
            b = balance.get();
            if (b >= cap) return;
        } while (!balance.compareAndSet(b, Math.min(cap, b + deposit)));
    }

    /** Spends one retry; false when the budget is spent. */
    public boolean tryRetry() {
        long b;
        do {
            b = balance.get();
            if (b < SCALE) return false;
        } while (!balance.compareAndSet(b, b - SCALE));
        return true;
    }
}
