package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.NodeSpec;
import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.Service;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tries of one request: what allows another, and what the access log counts. */
class RetryStateTest {
    private static final long NOW = 1_000_000_000L;
    private static final long NONE = Long.MAX_VALUE;

    private static Service service(int nodes, ServiceSpec.Retries retries) {
        List<NodeSpec> specs = new java.util.ArrayList<>();
        for (int i = 0; i < nodes; i++) specs.add(new NodeSpec("http://n" + i, "n" + i, 80, 1));
        var timeouts = new ServiceSpec.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ZERO);
        return Service.build(new ServiceSpec("svc", specs, "round-robin", timeouts, ServiceSpec.Pool.DEFAULT,
                ServiceSpec.Priority.DEFAULT, null, null, null, retries), null, io.turnpike.upstream.balance.Balancers::forService);
    }

    private static ServiceSpec.Retries retries(int attempts, boolean onReset, boolean onTimeout) {
        return new ServiceSpec.Retries(attempts, true, onReset, onTimeout, Set.of(503), 1.0, Duration.ofMillis(10), null);
    }

    @Test
    void anotherTryNeedsTheFailureListedAndAMethodThatMayBeRepeated() {
        Service svc = service(2, retries(3, false, true));
        assertThat(new RetryState(svc, "GET", false).nextTry(Outcome.RESET, NOW, NONE)).as("reset not listed").isNegative();
        assertThat(new RetryState(svc, "GET", false).nextTry(Outcome.CANCELLED, NOW, NONE)).isNegative();
        assertThat(new RetryState(svc, "GET", false).nextTry(Outcome.TIMEOUT, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(new RetryState(svc, "GET", false).nextTry(Outcome.SERVER_ERROR, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(new RetryState(svc, "POST", false).nextTry(Outcome.TIMEOUT, NOW, NONE)).as("POST").isNegative();
        assertThat(new RetryState(svc, "POST", true).nextTry(Outcome.TIMEOUT, NOW, NONE)).as("opted in").isGreaterThanOrEqualTo(0);
    }

    @Test
    void triesStopAtTheAttemptsAndBeforeTheDeadline() {
        Service svc = service(3, retries(2, true, true));
        RetryState s = new RetryState(svc, "GET", false);
        assertThat(s.nextTry(Outcome.RESET, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(s.nextTry(Outcome.RESET, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(s.nextTry(Outcome.RESET, NOW, NONE)).as("attempts spent").isNegative();

        RetryState late = new RetryState(svc, "GET", false);
        assertThat(late.nextTry(Outcome.RESET, NOW, NOW + 1)).as("the backoff would pass the deadline").isNegative();
        assertThat(late.nextTry(Outcome.RESET, NOW, NOW + Duration.ofSeconds(1).toNanos())).isGreaterThanOrEqualTo(0);
    }

    @Test
    void onceEveryNodeWasTriedAnyMayBeTriedAgain() {
        Service svc = service(2, retries(3, true, false));
        RetryState s = new RetryState(svc, "GET", false);
        s.picked(0);
        assertThat(s.nextTry(Outcome.RESET, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(s.tried()).as("node 1 is still untried").isEqualTo(0b01);
        s.picked(1);
        assertThat(s.nextTry(Outcome.RESET, NOW, NONE)).isGreaterThanOrEqualTo(0);
        assertThat(s.tried()).isZero();
    }

    @Test
    void aNodeThatLostItsProbePermitIsSkippedOnce() {
        RetryState s = new RetryState(service(2, retries(0, false, false)), "GET", false);
        assertThat(s.lost(1)).isTrue();
        assertThat(s.tried()).isEqualTo(0b10);
        assertThat(s.lost(1)).as("tried already: the pick gives up").isFalse();
        assertThat(s.lost(64)).as("beyond the mask").isFalse();
    }

    @Test
    void theAccessLogCountsLaterTriesAndTheOneStaleResend() {
        RetryState s = new RetryState(service(3, retries(0, false, false)), "GET", false);
        assertThat(s.retries()).isZero();
        s.picked(0);
        assertThat(s.retries()).isZero();
        assertThat(s.takeStaleResend()).isTrue();
        assertThat(s.takeStaleResend()).as("only once").isFalse();
        s.picked(1);
        assertThat(s.retries()).isEqualTo(2);
        assertThat(s.tries()).isEqualTo(2);
    }
}
