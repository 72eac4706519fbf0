package io.turnpike.upstream.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the breaker over random runs of calls, outcomes, time and operator orders. */
class CircuitBreakerPropertyTest {
    private static final long MS = 1_000_000L;

    /** One step: 0 acquire, 1 success, 2 failure, 3 cancel, 4 slow success, 5 time passes, 6 force open, 7 force closed, 8 auto. */
    @Provide
    Arbitrary<List<Integer>> steps() {
        return Arbitraries.integers().between(0, 8).list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 300)
    void neverMoreProbesInFlightThanHalfOpenCalls(@ForAll("steps") List<Integer> steps) {
        int halfOpenCalls = 3;
        CircuitBreaker b = new CircuitBreaker("service p", CircuitBreakerTest.spec(5, halfOpenCalls));
        long now = 0;
        int inFlight = 0; // calls admitted and not yet reported
        int probes = 0;   // of those, admitted while half-open
        Manual forced = null;
        for (int s : steps) {
            CircuitState before = b.state();
            switch (s) {
                case 0 -> {
                    boolean ok = b.tryAcquire(now);
                    if (forced == Manual.OPEN) assertThat(ok).isFalse();
                    if (forced == Manual.CLOSED) assertThat(ok).isTrue();
                    if (ok) {
                        inFlight++;
                        if (b.state() == CircuitState.HALF_OPEN) probes++;
                    }
                }
                case 1, 2, 3, 4 -> {
                    if (inFlight > 0) {
                        inFlight--;
                        if (probes > 0) probes--;
                        Outcome o = s == 2 ? Outcome.SERVER_ERROR : s == 3 ? Outcome.CANCELLED : Outcome.SUCCESS;
                        b.onOutcome(o, s == 4 ? 3_000 * MS : MS, now);
                    }
                }
                case 5 -> now += 7_000 * MS;
                case 6 -> { b.override(CircuitBreaker.Manual.OPEN, "admin", "p"); forced = Manual.OPEN; }
                case 7 -> { b.override(CircuitBreaker.Manual.CLOSED, "admin", "p"); forced = Manual.CLOSED; }
                default -> { b.override(CircuitBreaker.Manual.AUTO, "admin", "p"); forced = null; }
            }
            if (b.state() != CircuitState.HALF_OPEN) probes = 0;
            assertThat(probes).isLessThanOrEqualTo(halfOpenCalls);
            if (forced == Manual.OPEN) assertThat(b.state()).isEqualTo(CircuitState.FORCED_OPEN);
            if (forced == Manual.CLOSED) assertThat(b.state()).isEqualTo(CircuitState.FORCED_CLOSED);
            if (forced == null && s != 6 && s != 7) {
                assertThat(b.state()).isIn(CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN);
            }
            assertThat(b.events().size()).isLessThanOrEqualTo(CircuitBreaker.MAX_EVENTS);
            assertThat(before).isNotNull();
        }
    }

    private enum Manual { OPEN, CLOSED }
}
