package io.turnpike.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The meters of one service: its upstream time. (Node latency averages live in the nodes' own stats.) */
final class ServiceMeters {
    final String serviceId;
    final Timer upstream;

    ServiceMeters(MeterRegistry registry, String serviceId) {
        this.serviceId = serviceId;
        this.upstream = Buckets.timer("turnpike.upstream.duration",
                        "Time from sending the request to a node to the end of its response")
                .tag("service", serviceId)
                .register(registry);
    }

    void recordUpstream(long nanos) {
        upstream.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
