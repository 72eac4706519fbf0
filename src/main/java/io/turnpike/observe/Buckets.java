package io.turnpike.observe;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The latency buckets every Turnpike histogram uses: fixed, so series from different gateways and
 * routes can be summed, and few (14 plus +Inf), so a route costs 16 series per histogram.
 */
final class Buckets {
    static final Duration[] LATENCY = {
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30),
    };

    private Buckets() {}

    /** A timer builder with the shared buckets and no client-side percentiles. */
    static Timer.Builder timer(String name, String description) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(LATENCY);
    }
}
