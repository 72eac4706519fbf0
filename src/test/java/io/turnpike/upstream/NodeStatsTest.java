package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The moving averages and the success window, with the clock moved by hand. */
class NodeStatsTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void aSlowResponseRaisesTheAverageAtOnceAndFastOnesBringItDownOverTime() {
        LatencyEwma e = new LatencyEwma(10 * S);
        long t = 5 * S;
        e.observe(10 * MS, t);
        assertThat(e.value()).isEqualTo(10 * MS);
        e.observe(200 * MS, t + MS); // peak: replaces the average, no blending
        assertThat(e.value()).isEqualTo(200 * MS);
        e.observe(10 * MS, t + 2 * MS); // 1 ms later: a fast answer barely moves it
        assertThat(e.value()).isGreaterThan(199 * MS);
        e.observe(10 * MS, t + 2 * MS + 10 * S); // a time constant later: weight 1/e on the old value
        assertThat(e.value()).isCloseTo(10 * MS + 190 * MS / Math.E, within(0.1 * MS));
    }

    @Test
    void anIdleNodesCostSinksSoItIsProbedAgain() {
        LatencyEwma e = new LatencyEwma(10 * S);
        assertThat(e.cost(0)).isZero();
        e.observe(100 * MS, 0);
        assertThat(e.cost(0)).isEqualTo(100 * MS);
        assertThat(e.cost(10 * S)).isCloseTo(100 * MS / Math.E, within(1.0));
        assertThat(e.cost(30 * S)).isLessThan(5 * MS);
        assertThat(e.value()).isEqualTo(100 * MS); // the shown average keeps the last estimate
    }

    @Test
    void successRateCoversTheLastSecondsOnly() {
        SuccessWindow w = new SuccessWindow(10);
        long t = 1000 * S;
        assertThat(w.successRate(t)).isNaN();
        for (int i = 0; i < 9; i++) w.record(true, t);
        w.record(false, t + S / 2);
        assertThat(w.successRate(t + S)).isEqualTo(0.9);
        for (int i = 0; i < 10; i++) w.record(false, t + 5 * S);
        assertThat(w.successRate(t + 5 * S)).isEqualTo(0.45);
        assertThat(w.calls(t + 5 * S)).isEqualTo(20);
        // Ten seconds on, the first burst has left the window; the failures of t+5s remain.
        assertThat(w.successRate(t + 10 * S)).isZero();
        assertThat(w.calls(t + 16 * S)).isZero();
        // A bucket reused a lap later starts from zero.
        w.record(true, t + 20 * S);
        assertThat(w.calls(t + 20 * S)).isEqualTo(1);
        assertThat(w.successRate(t + 20 * S)).isEqualTo(1.0);
    }

    @Test
    void windowWorksWithNegativeNanoTimes() {
        SuccessWindow w = new SuccessWindow(3);
        w.record(true, -5 * S - 1);
        w.record(false, -4 * S);
        assertThat(w.calls(-4 * S)).isEqualTo(2);
        assertThat(w.successRate(-4 * S)).isEqualTo(0.5);
    }

    @Test
    void nodeStatsCountAndAverageAttempts() {
        NodeStats s = new NodeStats();
        long t = 50 * S;
        s.onStart(t);
        s.onStart(t);
        assertThat(s.inFlight()).isEqualTo(2);
        s.onEnd(Outcome.SUCCESS, 4 * MS, 9 * MS, t + 9 * MS);
        s.onEnd(Outcome.CONNECT_FAILURE, -1, MS, t + 9 * MS);
        assertThat(s.inFlight()).isZero();
        assertThat(s.requests()).isEqualTo(2);
        assertThat(s.failures()).isEqualTo(1);
        assertThat(s.ewmaFirstByteNanos()).isEqualTo(4 * MS);
        assertThat(s.ewmaTotalNanos()).isEqualTo(9 * MS); // the quick refusal did not count as a fast answer
        assertThat(s.successRate(t + S)).isEqualTo(0.5);
        s.onStart(t);
        s.onEnd(Outcome.TIMEOUT, -1, 2 * S, t + 2 * S);
        assertThat(s.latencyCost(t + 2 * S)).isEqualTo(2.0 * S); // a timeout is at least that slow
        s.onStart(t);
        s.onEnd(Outcome.CANCELLED, -1, MS, t + 2 * S);
        assertThat(s.failures()).isEqualTo(2);
        assertThat(s.successRate(t + 2 * S)).isCloseTo(1 / 3.0, within(1e-9));
    }

    @Test
    void highPriorityLoadFades() {
        DecayingCounter c = new DecayingCounter(S);
        c.add(0);
        c.add(0);
        assertThat(c.value(0)).isEqualTo(2.0);
        assertThat(c.value(S)).isCloseTo(2 / Math.E, within(1e-9));
        c.add(S);
        assertThat(c.value(S)).isCloseTo(1 + 2 / Math.E, within(1e-9));
    }
}
