package io.turnpike.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.turnpike.server.Serving;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.breaker.CircuitBreaker;
import io.turnpike.upstream.breaker.CircuitState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The meters of every circuit breaker: {@code turnpike_circuit_transitions_total{service,node,to}}
 * and {@code turnpike_circuit_state{service,node,state}} (1 for the current state). Read from the
 * breakers' own counters at scrape time; {@code node="*"} is the service-wide breaker. Follows
 * snapshots on the control thread, like the node gauges.
 */
final class CircuitMeters {
    static final String SERVICE_WIDE = "*";

    private final MeterRegistry registry;
    private final Map<CircuitBreaker, List<Meter>> meters = new IdentityHashMap<>();

    CircuitMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void follow(Serving snapshot) {
        Map<CircuitBreaker, Tags> live = new IdentityHashMap<>();
        for (Service s : snapshot.services().values()) {
            live.put(s.guard().breaker().circuit(), Tags.of("service", s.id(), "node", SERVICE_WIDE));
            for (Node n : s.nodes()) {
                CircuitBreaker b = n.health().breaker();
                if (b != null) live.put(b, Tags.of("service", s.id(), "node", n.key()));
            }
        }
        meters.entrySet().removeIf(e -> {
            if (live.containsKey(e.getKey())) return false;
            e.getValue().forEach(registry::remove);
            return true;
        });
        live.forEach((b, tags) -> meters.computeIfAbsent(b, k -> register(k, tags)));
    }

    private List<Meter> register(CircuitBreaker b, Tags tags) {
        List<Meter> out = new ArrayList<>();
        for (CircuitState s : CircuitState.values()) {
            out.add(FunctionCounter.builder("turnpike.circuit.transitions", b, x -> x.transitionsTo(s))
                    .description("Circuit breaker transitions, automatic or manual, by the state entered")
                    .tags(tags).tag("to", s.label()).register(registry));
            out.add(Gauge.builder("turnpike.circuit.state", b, x -> x.state() == s ? 1 : 0)
                    .description("1 for the circuit breaker's current state (open = stop traffic)")
                    .tags(tags).tag("state", s.label()).register(registry));
        }
        return out;
    }
}
