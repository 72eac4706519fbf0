package io.turnpike.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds the resilience keys: a service's {@code healthCheck:}, {@code outlierDetection:} and
 * {@code circuitBreaker:}, and a route's {@code fallback:}. Absent = null = off.
 */
final class ResilienceSection {
    static final String RATE_EXPECTED = "a share like 50% or 0.5, above 0 and at most 100%";

    private ResilienceSection() {}

    static ServiceSpec.HealthCheck healthCheck(ConfigNode n) {
        if (!present(n, "a mapping like {path: /health, interval: 5s}")) return null;
        n.checkKeys(List.of("path", "interval", "timeout", "unhealthyAfter", "healthyAfter"), Map.of());
        ConfigNode pathNode = n.require("path", "a path like /health");
        String path = pathNode.text("a path like /health");
        if (path != null && !path.startsWith("/")) {
            pathNode.expected("a path starting with /, like /health");
        }
        Duration interval = n.get("interval").duration(Duration.ofSeconds(5), false);
        Duration timeout = n.get("timeout").duration(Duration.ofSeconds(1), false);
        if (timeout.compareTo(interval) > 0 && n.get("timeout").isPresent()) {
            n.get("timeout").problem(n.get("timeout").describe() + " is longer than the interval "
                    + interval.toMillis() + "ms (expected: a timeout <= interval)");
        }
        return new ServiceSpec.HealthCheck(path == null ? "/health" : path, interval, timeout,
                n.get("unhealthyAfter").integer(1, 100, 3), n.get("healthyAfter").integer(1, 100, 2));
    }

    static ServiceSpec.OutlierDetection outlierDetection(ConfigNode n) {
        if (!present(n, "a mapping like {consecutiveFailures: 5, ejectFor: 30s, maxEjected: 50%}")) return null;
        n.checkKeys(List.of("consecutiveFailures", "ejectFor", "maxEjected"), Map.of());
        return new ServiceSpec.OutlierDetection(n.get("consecutiveFailures").integer(1, 1000, 5),
                n.get("ejectFor").duration(Duration.ofSeconds(30), false), rate(n.get("maxEjected"), 0.5));
    }

    static ServiceSpec.CircuitBreaker circuitBreaker(ConfigNode n) {
        if (!present(n, "a mapping like {failureRate: 50%, window: 20, openFor: 30s}")) return null;
        n.checkKeys(List.of("failureRate", "slowCall", "window", "openFor", "halfOpenCalls"), Map.of());
        Duration slowOver = null;
        double slowRate = 1.0;
        ConfigNode slow = n.get("slowCall");
        if (present(slow, "a mapping like {over: 2s, rate: 80%}")) {
            slow.checkKeys(List.of("over", "rate"), Map.of());
            slowOver = slow.require("over", "a duration like 2s").duration(null, false);
            slowRate = rate(slow.get("rate"), 0.8);
        }
        return new ServiceSpec.CircuitBreaker(rate(n.get("failureRate"), 0.5), slowOver, slowRate,
                n.get("window").integer(1, 10_000, 20), n.get("openFor").duration(Duration.ofSeconds(30), false),
                n.get("halfOpenCalls").integer(1, 1000, 5));
    }

    static RouteSpec.Fallback fallback(ConfigNode n) {
        if (!present(n, "a mapping like {status: 503, headers: {...}, body: \"...\"}")) return null;
        n.checkKeys(List.of("status", "headers", "body"), Map.of());
        int status = n.get("status").integer(200, 599, 503);
        Map<String, String> headers = new LinkedHashMap<>();
        ConfigNode h = n.get("headers");
        if (present(h, "a mapping of header name to value")) {
            h.entries().forEach((name, e) -> {
                ConfigNode v = h.get(name);
                String value = v.text("a header value");
                if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    h.problem("header name " + ConfigNode.quote(name) + " (expected: a token like X-Fallback)");
                } else if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
                    v.expected("a header value on one line");
                } else if (value != null) {
                    headers.put(name, value);
                }
            });
        }
        return new RouteSpec.Fallback(status, Map.copyOf(headers), n.get("body").text("a body text"));
    }

    /** {@code 50%} or {@code 0.5}; above 0 and at most 1. */
    static double rate(ConfigNode n, double fallback) {
        return n.share(false, fallback, RATE_EXPECTED);
    }

    /** Present and a mapping; a wrong shape is reported as {@code expected}. */
    private static boolean present(ConfigNode n, String expected) {
        if (!n.isPresent()) return false;
        if (!n.isMapping()) {
            n.expected(expected);
            return false;
        }
        return true;
    }
}
