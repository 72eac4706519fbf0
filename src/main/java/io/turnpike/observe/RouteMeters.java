package io.turnpike.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of one route, resolved once: request counters indexed by method and status class
 * (each registered on first use), the latency timer and the byte counters. Recording an exchange
 * is a few array reads and adds, with no tag list built and nothing allocated.
 */
final class RouteMeters {
    /** Methods with their own label; any other is counted as {@code OTHER}. */
    static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
        "CONNECT", "OTHER"};
    /** {@code none} = the client got no response head (it left first). */
    static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

    final String routeId;
    final String serviceId;
    final ServiceMeters service;
    private final MeterRegistry registry;
    private final AtomicReferenceArray<Counter> requests =
            new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length);
    private final Timer total;
    private final Counter bytesIn;
    private final Counter bytesOut;

    RouteMeters(MeterRegistry registry, String routeId, String serviceId, ServiceMeters service) {
        this.registry = registry;
        this.routeId = routeId;
        this.serviceId = serviceId;
        this.service = service;
        this.total = Buckets.timer("turnpike.request.duration",
                        "Time from the request head arriving to the end of the exchange")
                .tags("route", routeId, "service", serviceId)
                .register(registry);
        this.bytesIn = Counter.builder("turnpike.request.body")
                .description("Request body bytes received from clients")
                .baseUnit("bytes").tag("route", routeId).register(registry);
        this.bytesOut = Counter.builder("turnpike.response.body")
                .description("Response body bytes sent to clients")
                .baseUnit("bytes").tag("route", routeId).register(registry);
    }

    void record(String method, int status, long totalNanos, long bytesIn, long bytesOut) {
        requests(methodIndex(method), statusClass(status)).increment();
        total.record(totalNanos, TimeUnit.NANOSECONDS);
        if (bytesIn > 0) this.bytesIn.increment(bytesIn);
        if (bytesOut > 0) this.bytesOut.increment(bytesOut);
    }

    private Counter requests(int method, int statusClass) {
        int i = method * STATUS_CLASSES.length + statusClass;
        Counter c = requests.get(i);
        if (c == null) {
            // Registration is idempotent, so two loops racing here end up with the same counter.
            c = Counter.builder("turnpike.requests")
                    .description("Requests answered, by route, service, method and status class")
                    .tags("route", routeId, "service", serviceId, "method", METHODS[method],
                            "status", STATUS_CLASSES[statusClass])
                    .register(registry);
            requests.set(i, c);
        }
        return c;
    }

    static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "PATCH" -> 5;
            case "OPTIONS" -> 6;
            case "TRACE" -> 7;
            case "CONNECT" -> 8;
            default -> 9;
        };
    }

    static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 : 0;
    }
}
