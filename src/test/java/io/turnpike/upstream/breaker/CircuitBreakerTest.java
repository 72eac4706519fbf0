package io.turnpike.upstream.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The breaker's state machine, with time moved by hand. */
class CircuitBreakerTest {
    static final long MS = 1_000_000L;
    static final long OPEN_FOR = 30_000 * MS;

    static ServiceSpec.CircuitBreaker spec(int window, int halfOpenCalls) {
        return new ServiceSpec.CircuitBreaker(0.5, Duration.ofSeconds(2), 0.8, window, Duration.ofSeconds(30),
                halfOpenCalls);
    }

    static CircuitBreaker breaker(int window, int halfOpenCalls) {
        return new CircuitBreaker("service users", spec(window, halfOpenCalls),
                InstantSource.fixed(Instant.parse("2026-11-28T00:00:00Z")));
    }

    long now = 1_000 * MS;

    private void calls(CircuitBreaker b, int n, Outcome o, long latency) {
        for (int i = 0; i < n; i++) {
            assertThat(b.tryAcquire(now)).isTrue();
            b.onOutcome(o, latency, now);
            now += MS;
        }
    }

    @Test
    void opensWhenTheFailureRatePassesItsThreshold() {
        CircuitBreaker b = breaker(10, 2);
        calls(b, 5, Outcome.SUCCESS, MS);
        calls(b, 4, Outcome.SERVER_ERROR, MS);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED); // 9 calls: below the minimum
        calls(b, 1, Outcome.CONNECT_FAILURE, MS);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(b.tryAcquire(now)).isFalse();
        assertThat(b.retryAfterNanos(now)).isBetween(OPEN_FOR - 2 * MS, OPEN_FOR);
        assertThat(b.events().get(0).reason()).isEqualTo("failure rate 50% over 10 calls");
        assertThat(b.events().get(0).who()).isEqualTo("auto");
        assertThat(b.transitionsTo(CircuitState.OPEN)).isEqualTo(1);
    }

    @Test
    void needsAFullWindowBeforeItMayOpen() {
        CircuitBreaker b = breaker(20, 2);
        calls(b, 19, Outcome.TIMEOUT, MS);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        calls(b, 1, Outcome.TIMEOUT, MS);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void opensOnTheSlowCallRate() {
        CircuitBreaker b = breaker(10, 2);
        calls(b, 2, Outcome.SUCCESS, MS);
        calls(b, 8, Outcome.SUCCESS, 2_500 * MS);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(b.events().get(0).reason()).startsWith("slow-call rate 80% over 10 calls");
    }

    @Test
    void cancelledCallsCountForNothing() {
        CircuitBreaker b = breaker(4, 2);
        calls(b, 10, Outcome.CANCELLED, MS);
        assertThat(b.windowCounts()[0]).isZero();
    }

    @Test
    void slidingWindowForgetsOldFailures() {
        CircuitBreaker b = breaker(10, 2);
        calls(b, 4, Outcome.SERVER_ERROR, MS);
        calls(b, 10, Outcome.SUCCESS, MS);
        assertThat(b.windowCounts()).containsExactly(10, 0, 0);
        calls(b, 4, Outcome.SERVER_ERROR, MS);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
    }

    private CircuitBreaker opened(int halfOpenCalls) {
        CircuitBreaker b = breaker(4, halfOpenCalls);
        calls(b, 4, Outcome.SERVER_ERROR, MS);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        return b;
    }

    @Test
    void letsProbesThroughAfterOpenForAndClosesWhenTheySucceed() {
        CircuitBreaker b = opened(2);
        now += OPEN_FOR - 10 * MS;
        assertThat(b.tryAcquire(now)).isFalse();
        now += 10 * MS;
        assertThat(b.tryAcquire(now)).isTrue();
        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(b.tryAcquire(now)).isTrue();
        assertThat(b.tryAcquire(now)).as("only halfOpenCalls probes").isFalse();
        b.onOutcome(Outcome.SUCCESS, MS, now);
        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN);
        b.onOutcome(Outcome.SUCCESS, MS, now);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(b.events()).extracting(CircuitEvent::to)
                .containsExactly(CircuitState.CLOSED, CircuitState.HALF_OPEN, CircuitState.OPEN);
        assertThat(b.windowCounts()).containsExactly(0, 0, 0); // a fresh window
    }

    @Test
    void aFailedProbeOpensItAgain() {
        CircuitBreaker b = opened(3);
        now += OPEN_FOR;
        assertThat(b.tryAcquire(now)).isTrue();
        b.onOutcome(Outcome.SUCCESS, MS, now);
        assertThat(b.tryAcquire(now)).isTrue();
        b.onOutcome(Outcome.RESET, MS, now);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(b.retryAfterNanos(now)).isEqualTo(OPEN_FOR);
        assertThat(b.events().get(0).reason()).isEqualTo("a probe call failed (reset)");
    }

    @Test
    void aCancelledProbeGivesItsPermitBack() {
        CircuitBreaker b = opened(1);
        now += OPEN_FOR;
        assertThat(b.tryAcquire(now)).isTrue();
        assertThat(b.tryAcquire(now)).isFalse();
        b.onOutcome(Outcome.CANCELLED, MS, now);
        assertThat(b.tryAcquire(now)).isTrue();
    }

    @Test
    void probesThatNeverFinishAreGivenUpAfterOpenFor() {
        CircuitBreaker b = opened(1);
        now += OPEN_FOR;
        assertThat(b.tryAcquire(now)).isTrue(); // taken, never reported
        assertThat(b.tryAcquire(now)).isFalse();
        now += OPEN_FOR;
        assertThat(b.tryAcquire(now)).isTrue();
        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void forcedOpenStaysOpenUntilAnOperatorSaysOtherwise() {
        CircuitBreaker b = breaker(4, 1);
        assertThat(b.override(CircuitBreaker.Manual.OPEN, "admin", "deploying users")).isEqualTo(CircuitState.FORCED_OPEN);
        now += 10 * OPEN_FOR;
        assertThat(b.tryAcquire(now)).isFalse();
        assertThat(b.retryAfterNanos(now)).isEqualTo(CircuitBreaker.UNKNOWN_RETRY_NANOS);
        b.onOutcome(Outcome.SUCCESS, MS, now);
        assertThat(b.state()).isEqualTo(CircuitState.FORCED_OPEN);
        CircuitEvent e = b.events().get(0);
        assertThat(e.who()).isEqualTo("admin");
        assertThat(e.reason()).isEqualTo("deploying users");
        assertThat(e.at()).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
        b.override(CircuitBreaker.Manual.AUTO, "admin", "done");
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(b.tryAcquire(now)).isTrue();
    }

    @Test
    void forcedClosedIgnoresFailures() {
        CircuitBreaker b = breaker(4, 1);
        b.override(CircuitBreaker.Manual.CLOSED, "admin", "the errors are expected");
        calls(b, 50, Outcome.SERVER_ERROR, MS);
        assertThat(b.state()).isEqualTo(CircuitState.FORCED_CLOSED);
    }

    @Test
    void withoutSettingsItNeverOpensByItself() {
        CircuitBreaker b = new CircuitBreaker("node x", null);
        calls(b, 100, Outcome.SERVER_ERROR, MS);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        b.override(CircuitBreaker.Manual.OPEN, "admin", "manual control works anyway");
        assertThat(b.tryAcquire(now)).isFalse();
    }

    @Test
    void keepsABoundedListOfEvents() {
        CircuitBreaker b = breaker(4, 1);
        for (int i = 0; i < 200; i++) b.override(i % 2 == 0 ? CircuitBreaker.Manual.OPEN : CircuitBreaker.Manual.AUTO, "admin", "flip " + i);
        assertThat(b.events()).hasSize(CircuitBreaker.MAX_EVENTS);
        assertThat(b.events().get(0).reason()).isEqualTo("flip 199");
    }

    @Test
    void aReloadThatDropsTheBreakerClosesAnOpenCircuit() {
        CircuitBreaker b = opened(1);
        b.configure(null);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(b.events().get(0).reason()).contains("no circuitBreaker");
    }
}
