package io.turnpike.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;

/** The meters of one service: its upstream time, and the latency average of each of its nodes. */
final class ServiceMeters {
    final String serviceId;
    final Timer upstream;
    /** By node key; filled when a snapshot lists the node, read on the event loops. */
    final ConcurrentHashMap<String, Ewma> nodeLatency = new ConcurrentHashMap<>();

    ServiceMeters(MeterRegistry registry, String serviceId) {
        this.serviceId = serviceId;
        this.upstream = Buckets.timer("turnpike.upstream.duration",
                        "Time from sending the request to a node to the end of its response")
                .tag("service", serviceId)
                .register(registry);
    }

    void recordUpstream(String nodeKey, long nanos) {
        upstream.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (nodeKey != null) {
            Ewma e = nodeLatency.get(nodeKey);
            if (e != null) e.update(nanos / 1e9); // a node that left the config has no average to keep
        }
    }
}
