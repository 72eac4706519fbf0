package io.turnpike.upstream.breaker;

import io.turnpike.config.ServiceSpec;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock-free circuit breaker: closed, open, half-open, plus an operator's forced states. Its
 * state is one immutable {@link Phase} behind a volatile reference, replaced by compare-and-set,
 * so {@link #tryAcquire} is a volatile read and a compare in the closed state, and transitions
 * (rare) are the only thing that allocates. Time is passed in (nanoTime), never read here.
 *
 * <p>Written here rather than taken from Resilience4j: it is not on the offline build's classpath,
 * its breaker records through a sliding-window lock, and the forced states with who/why and the
 * bounded event list are ours either way.
 */
public final class CircuitBreaker {
    private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);
    static final int MAX_EVENTS = 50;
    /** Retry-After while the end of the refusal is not known (forced open, probes busy). */
    public static final long UNKNOWN_RETRY_NANOS = 1_000_000_000L;

    /** What an operator asks for. */
    public enum Manual { OPEN, CLOSED, AUTO;
        /** {@code open|closed|auto}, or null. */
        public static Manual parse(String s) {
            if (s == null) return null;
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /**
     * One state, immutable apart from the counters that belong to it alone.
     *
     * @param until   OPEN: when probes may start; HALF_OPEN: when unfinished probes are given up
     * @param window  CLOSED with settings: the calls being judged
     * @param permits HALF_OPEN: probe calls still to hand out
     * @param passed  HALF_OPEN: probe calls that succeeded
     */
    private record Phase(CircuitState state, long until, CallWindow window, AtomicInteger permits,
                         AtomicInteger passed) {}

    private final String name;
    private final InstantSource wallClock;
    private volatile CircuitSettings settings;
    private volatile Phase phase;
    private final AtomicLongArray transitions = new AtomicLongArray(CircuitState.values().length);
    private final ConcurrentLinkedDeque<CircuitEvent> events = new ConcurrentLinkedDeque<>();
    private final AtomicInteger eventCount = new AtomicInteger();

    /** @param name how logs name it: {@code service users}, {@code node users/10.0.0.1:80} */
    public CircuitBreaker(String name, ServiceSpec.CircuitBreaker spec, InstantSource wallClock) {
        this.name = name;
        this.wallClock = wallClock;
        this.settings = CircuitSettings.of(spec);
        this.phase = closed(settings);
    }

    public CircuitBreaker(String name, ServiceSpec.CircuitBreaker spec) {
        this(name, spec, InstantSource.system());
    }

    private static Phase closed(CircuitSettings s) {
        return new Phase(CircuitState.CLOSED, 0, s == null ? null : new CallWindow(s.window()), null, null);
    }

    public String name() { return name; }
    public CircuitState state() { return phase.state(); }

    /** Whether a call may go now. In half-open this takes one of the probe permits. */
    public boolean tryAcquire(long now) {
        Phase p = phase;
        switch (p.state()) {
            case CLOSED, FORCED_CLOSED: return true;
            case FORCED_OPEN: return false;
            case OPEN:
                if (now - p.until() < 0) return false;
                p = halfOpen(p, now, "open for " + seconds(settings) + ", letting probe calls through");
                return p.state() == CircuitState.HALF_OPEN ? take(p.permits()) : p.state() != CircuitState.OPEN
                        && p.state() != CircuitState.FORCED_OPEN;
            case HALF_OPEN:
                if (now - p.until() >= 0) p = halfOpen(p, now, "probe calls did not finish in time, probing again");
                return p.state() == CircuitState.HALF_OPEN ? take(p.permits()) : p.state() == CircuitState.CLOSED
                        || p.state() == CircuitState.FORCED_CLOSED;
            default: return true;
        }
    }

    /** Like {@link #tryAcquire} without taking a permit: for listings, never for routing. */
    public boolean allowsCalls(long now) {
        Phase p = phase;
        return switch (p.state()) {
            case CLOSED, FORCED_CLOSED -> true;
            case FORCED_OPEN -> false;
            case OPEN -> now - p.until() >= 0;
            case HALF_OPEN -> p.permits().get() > 0 || now - p.until() >= 0;
        };
    }

    private static boolean take(AtomicInteger permits) {
        for (int n = permits.get(); n > 0; n = permits.get()) {
            if (permits.compareAndSet(n, n - 1)) return true;
        }
        return false;
    }

    /** How long a refused client should wait: the rest of the open time, or a second when unknown. */
    public long retryAfterNanos(long now) {
        Phase p = phase;
        return p.state() == CircuitState.OPEN ? Math.max(0, p.until() - now) : UNKNOWN_RETRY_NANOS;
    }

    /** One finished call. {@link Outcome#CANCELLED} says nothing about the target and is not counted. */
    public void onOutcome(Outcome outcome, long latencyNanos, long now) {
        Phase p = phase;
        CircuitSettings s = settings;
        if (outcome == Outcome.CANCELLED) {
            if (p.state() == CircuitState.HALF_OPEN) p.permits().incrementAndGet(); // the probe may be retried
            return;
        }
        boolean failed = outcome.failed();
        boolean slow = s != null && latencyNanos >= s.slowOverNanos();
        if (p.state() == CircuitState.CLOSED && p.window() != null) {
            CallWindow w = p.window();
            int calls = w.record((failed ? CallWindow.FAILED : 0) | (slow ? CallWindow.SLOW : 0));
            if (calls >= w.size() && (failed || slow)) judge(p, s, w, calls, now);
        } else if (p.state() == CircuitState.HALF_OPEN && s != null) {
            if (failed || slow) {
                move(p, open(s, now), "auto", "a probe call " + (failed ? "failed (" + outcome.name().toLowerCase(Locale.ROOT)
                        .replace('_', ' ') + ")" : "was slow (over " + millis(s.slowOverNanos()) + ")"));
            } else if (p.passed().incrementAndGet() >= s.halfOpenCalls()) {
                move(p, closed(s), "auto", s.halfOpenCalls() + " probe calls succeeded");
            }
        }
    }

    private void judge(Phase p, CircuitSettings s, CallWindow w, int calls, long now) {
        double failureRate = (double) w.failures() / calls;
        double slowRate = (double) w.slow() / calls;
        if (failureRate >= s.failureRate()) {
            move(p, open(s, now), "auto", "failure rate " + percent(failureRate) + " over " + calls + " calls");
        } else if (slowRate >= s.slowRate()) {
            move(p, open(s, now), "auto", "slow-call rate " + percent(slowRate) + " over " + calls
                    + " calls (slower than " + millis(s.slowOverNanos()) + ")");
        }
    }

    private static Phase open(CircuitSettings s, long now) {
        return new Phase(CircuitState.OPEN, now + s.openForNanos(), null, null, null);
    }

    private Phase halfOpen(Phase from, long now, String reason) {
        CircuitSettings s = settings;
        if (s == null) {
            move(from, closed(null), "auto", "no circuitBreaker in the config any more");
        } else {
            move(from, new Phase(CircuitState.HALF_OPEN, now + s.openForNanos(), null,
                    new AtomicInteger(s.halfOpenCalls()), new AtomicInteger()), "auto", reason);
        }
        return phase;
    }

    /** An operator's order: open and closed stick until the next order; auto hands back to the thresholds. */
    public CircuitState override(Manual manual, String who, String reason) {
        Phase next = switch (manual) {
            case OPEN -> new Phase(CircuitState.FORCED_OPEN, 0, null, null, null);
            case CLOSED -> new Phase(CircuitState.FORCED_CLOSED, 0, null, null, null);
            case AUTO -> closed(settings);
        };
        for (Phase p = phase; ; p = phase) {
            if (move(p, next, who, reason)) return next.state();
        }
    }

    /** A reload: new thresholds. A closed breaker starts a fresh window when the window size changed. */
    public void configure(ServiceSpec.CircuitBreaker spec) {
        CircuitSettings s = CircuitSettings.of(spec);
        CircuitSettings old = settings;
        if (s == null ? old == null : s.equals(old)) return;
        settings = s;
        Phase p = phase;
        if (p.state() == CircuitState.CLOSED) {
            phase = closed(s); // same state: no transition to report, only new counts
        } else if (s == null && (p.state() == CircuitState.OPEN || p.state() == CircuitState.HALF_OPEN)) {
            move(p, closed(null), "auto", "no circuitBreaker in the config any more");
        }
    }

    private boolean move(Phase from, Phase to, String who, String reason) {
        if (from == phase && PHASE.compareAndSet(this, from, to)) {
            transitions.incrementAndGet(to.state().ordinal());
            CircuitEvent e = new CircuitEvent(wallClock.instant(), from.state(), to.state(), who, reason);
            events.addFirst(e);
            if (eventCount.incrementAndGet() > MAX_EVENTS && events.pollLast() != null) eventCount.decrementAndGet();
            report(e);
            return true;
        }
        return false;
    }

    private void report(CircuitEvent e) {
        String by = e.who().equals("auto") ? "" : " by " + e.who();
        String verb = switch (e.to()) {
            case OPEN -> "opened";
            case CLOSED -> "closed";
            case HALF_OPEN -> "half-opened";
            case FORCED_OPEN -> "forced open";
            case FORCED_CLOSED -> "forced closed";
        };
        String msg = "circuit of " + name + " " + verb + by + ": " + e.reason() + " (" + e.to().effect() + ")";
        if (e.to() == CircuitState.OPEN || e.to() == CircuitState.FORCED_OPEN) log.warn(msg); else log.info(msg);
    }

    /** Transitions into {@code to} so far (for metrics). */
    public long transitionsTo(CircuitState to) {
        return transitions.get(to.ordinal());
    }

    /** Recent transitions, newest first, at most {@value #MAX_EVENTS}. */
    public List<CircuitEvent> events() {
        return new ArrayList<>(events);
    }

    /** The closed window's counts now: {calls, failures, slow}; zeros in other states. */
    public int[] windowCounts() {
        CallWindow w = phase.window();
        return w == null ? new int[3] : new int[] {w.calls(), w.failures(), w.slow()};
    }

    /** The open state's end (nanoTime), or 0 in other states. */
    public long openUntilNanos() {
        Phase p = phase;
        return p.state() == CircuitState.OPEN ? p.until() : 0;
    }

    private static String percent(double rate) {
        return Math.round(rate * 100) + "%";
    }

    private static String millis(long nanos) {
        return nanos / 1_000_000 + "ms";
    }

    private static String seconds(CircuitSettings s) {
        return s == null ? "a while" : millis(s.openForNanos());
    }

    private static final java.lang.invoke.VarHandle PHASE;

    static {
        try {
            PHASE = java.lang.invoke.MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "phase", Phase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
