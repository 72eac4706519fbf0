package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one retry rule proxying and aggregation calls share. */
class RetryRuleTest {
    @Test
    void idempotentMethodsMayBeRepeatedAndOthersOnlyWhenTheRouteSaysSo() {
        for (String m : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
            assertThat(RetryRule.methodAllows(m, false)).as(m).isTrue();
        }
        for (String m : new String[] {"POST", "PATCH", "CONNECT"}) {
            assertThat(RetryRule.methodAllows(m, false)).as(m).isFalse();
            assertThat(RetryRule.methodAllows(m, true)).as(m).isTrue();
        }
    }

    @Test
    void backoffDoublesPerTryWithinHalfToOneAndAHalfTimes() {
        var rules = new ServiceSpec.Retries(5, true, true, false, Set.of(), 0.2, Duration.ofMillis(100), null);
        for (int n = 1; n <= 4; n++) {
            long base = Duration.ofMillis(100).toNanos() << (n - 1);
            for (int i = 0; i < 200; i++) {
                assertThat(RetryRule.backoffNanos(rules, n)).isBetween(base / 2, base * 3 / 2);
            }
        }
    }
}
