package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One node of three answers 10x slower (50 ms against 5 ms), through the real gateway, under
 * eight concurrent clients: the latency-aware balancers and high-priority calls keep away from it.
 */
@ExtendWith(NoLeaks.class)
class SlowNodeTest {
    private static final int CLIENTS = 8;
    private static final int PER_CLIENT = 100;
    private static TestBackend fastA;
    private static TestBackend fastB;
    private static TestBackend slow;

    @BeforeAll
    static void backends() throws Exception {
        fastA = new TestBackend("fast-a", 5);
        fastB = new TestBackend("fast-b", 5);
        slow = new TestBackend("slow", 50);
    }

    @AfterAll
    static void stop() {
        fastA.close();
        fastB.close();
        slow.close();
    }

    /** The slow node's share of the calls, and checks that every call was answered. */
    private static double slowShare(String balancer, boolean highPriority) throws Exception {
        TestConfigs c = TestConfigs.gateway().eventLoops(2)
                .service("svc", fastA.url(), fastB.url(), slow.url())
                .balancing("svc", balancer, ServiceSpec.Priority.DEFAULT);
        c = highPriority ? c.highPriorityRoute("all", "/**", "svc") : c.route("all", "/**", "svc");
        int before = slow.requests.get();
        try (Gateway g = Gateway.start(c.build())) {
            List<RawHttp.Response> rs = ClientLoad.run(g.port(), "/hello", CLIENTS, PER_CLIENT);
            assertThat(rs).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        }
        double share = (slow.requests.get() - before) / (double) (CLIENTS * PER_CLIENT);
        return share;
    }

    @Test
    void latencyAwareBalancersSendTheSlowNodeClearlyLessThanRoundRobin() throws Exception {
        double roundRobin = slowShare("round-robin", false);
        double leastRequest = slowShare("least-request", false);
        double peakEwma = slowShare("peak-ewma", false);
        assertThat(roundRobin).isBetween(0.30, 0.37);
        assertThat(leastRequest).as("least-request").isLessThan(0.2);
        assertThat(peakEwma).as("peak-ewma").isLessThan(0.15);
    }

    @Test
    void highPriorityCallsAvoidTheSlowNode() throws Exception {
        // Round-robin would give it a third; a few calls still go there while the fast nodes queue up.
        assertThat(slowShare("round-robin", true)).isLessThan(0.12);
    }
}
