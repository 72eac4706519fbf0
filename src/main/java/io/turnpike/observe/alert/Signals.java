package io.turnpike.observe.alert;

import io.turnpike.config.AlertExpression;
import io.turnpike.config.AlertExpression.Kind;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.observe.analytics.Dimension;
import io.turnpike.observe.analytics.Totals;
import io.turnpike.observe.analytics.UsageSource;
import io.turnpike.server.Serving;
import io.turnpike.tls.EdgeCertificates;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.NodeHealth;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.breaker.CircuitBreaker;
import io.turnpike.upstream.breaker.CircuitState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reads what an alert expression watches: the traffic rollups, the running services' breakers and
 * nodes, metered usage, the last reload, the TLS certificates' expiry. One {@link Sample} per thing watched: a selector of
 * {@code *} gives one per key, each its own alert.
 */
public final class Signals {
    private final Analytics analytics;
    private final Supplier<Serving> snapshot;
    private final UsageSource usage;
    private final BooleanSupplier reloadFailed;
    private final Supplier<List<EdgeCertificates.Served>> certificates;

    /**
     * @param reloadFailed true while the last attempt to reload the config file failed
     */
    public Signals(Analytics analytics, Supplier<Serving> snapshot, UsageSource usage, BooleanSupplier reloadFailed) {
        this(analytics, snapshot, usage, reloadFailed, List::of);
    }

    /** @param certificates the TLS listener's certificates as served now (empty without one) */
    public Signals(Analytics analytics, Supplier<Serving> snapshot, UsageSource usage, BooleanSupplier reloadFailed,
                   Supplier<List<EdgeCertificates.Served>> certificates) {
        this.analytics = analytics;
        this.snapshot = snapshot;
        this.usage = usage;
        this.reloadFailed = reloadFailed;
        this.certificates = certificates;
    }

    /**
     * One watched thing's reading.
     *
     * @param labels what it is, e.g. {@code route=users-read}; empty for a rule without a selector
     * @param value  in the expression's unit (percent, ms, per second); 1 or 0 for a state
     */
    public record Sample(Map<String, String> labels, double value, boolean breached) {}

    public List<Sample> sample(AlertExpression e) {
        if (e.kind().fromRollups()) return traffic(e);
        return switch (e.kind()) {
            case QUOTA_USED -> quota(e);
            case RELOAD_FAILED -> List.of(state(Map.of(), reloadFailed.getAsBoolean()));
            case CIRCUIT_OPEN, ALL_NODES_DOWN -> services(e);
            case NODE_DOWN, NODE_EJECTED -> nodes(e);
            case CERTIFICATE_EXPIRY -> certificates(e);
            default -> List.of();
        };
    }

    private List<Sample> traffic(AlertExpression e) {
        long window = e.window().toMillis();
        List<Sample> out = new ArrayList<>();
        if (e.dimension() == null) {
            double v = value(e.kind(), analytics.totals(null, null, window));
            out.add(new Sample(Map.of(), v, e.breached(v)));
            return out;
        }
        Dimension d = Dimension.of(e.dimension());
        Set<String> keys = new LinkedHashSet<>();
        if (e.key().equals("*")) {
            // configured ids too, so "requestRate(route=*) < 1/s" sees a route that went silent
            Serving s = snapshot.get();
            if (s != null && d == Dimension.ROUTE) s.config().routes().forEach(r -> keys.add(r.id()));
            if (s != null && d == Dimension.SERVICE) keys.addAll(s.config().services().keySet());
            keys.addAll(analytics.keys(d, window));
            keys.remove(Analytics.OTHER);
        } else {
            keys.add(e.key());
        }
        for (String k : keys) {
            double v = value(e.kind(), analytics.totals(d, k, window));
            out.add(new Sample(Map.of(e.dimension(), k), v, e.breached(v)));
        }
        return out;
    }

    private static double value(Kind kind, Totals t) {
        return switch (kind) {
            case ERROR_RATE -> t.errorRate() * 100;
            case P50 -> t.calls() == 0 ? Double.NaN : t.p50Ms();
            case P90 -> t.calls() == 0 ? Double.NaN : t.p90Ms();
            case P99 -> t.calls() == 0 ? Double.NaN : t.p99Ms();
            case MAX -> t.calls() == 0 ? Double.NaN : t.maxMs();
            case REQUEST_RATE -> t.callsPerSecond();
            case RATE_LIMITED -> t.limitedPerSecond();
            default -> Double.NaN;
        };
    }

    private List<Sample> quota(AlertExpression e) {
        List<Sample> out = new ArrayList<>();
        for (UsageSource.ConsumerUsage u : usage.consumers()) {
            if (!e.key().equals("*") && !e.key().equals(u.consumer())) continue;
            double v = u.quotaUsed() * 100;
            if (Double.isNaN(v)) continue;
            out.add(new Sample(Map.of("consumer", u.consumer()), v, e.breached(v)));
        }
        return out;
    }

    /** Days until each certificate's notAfter (negative once expired): one alert per certificate. */
    private List<Sample> certificates(AlertExpression e) {
        List<Sample> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (EdgeCertificates.Served c : certificates.get()) {
            if (!e.key().equals("*") && !e.key().equals(c.label())) continue;
            double days = (c.notAfter().toEpochMilli() - now) / 86_400_000.0;
            out.add(new Sample(Map.of("cert", c.label()), days, e.breached(days)));
        }
        return out;
    }

    private List<Service> services(String key) {
        Serving s = snapshot.get();
        if (s == null) return List.of();
        if (key.equals("*")) return List.copyOf(s.services().values());
        Service one = s.services().get(key);
        return one == null ? List.of() : List.of(one);
    }

    private List<Sample> services(AlertExpression e) {
        List<Sample> out = new ArrayList<>();
        long now = io.netty.util.concurrent.Ticker.systemTicker().nanoTime();
        for (Service svc : services(e.key())) {
            boolean on = e.kind() == Kind.CIRCUIT_OPEN
                    ? stopped(svc.guard().breaker().circuit())
                    : svc.nodes().stream().noneMatch(n -> up(n.health(), now));
            out.add(state(Map.of("service", svc.id()), on));
        }
        return out;
    }

    private List<Sample> nodes(AlertExpression e) {
        List<Sample> out = new ArrayList<>();
        long now = io.netty.util.concurrent.Ticker.systemTicker().nanoTime();
        for (Service svc : services(e.key())) {
            for (Node n : svc.nodes()) {
                NodeHealth h = n.health();
                boolean on = e.kind() == Kind.NODE_DOWN ? h.checkedDown() : h.ejected(now);
                out.add(state(Map.of("service", svc.id(), "node", n.key()), on));
            }
        }
        return out;
    }

    /** Open, half-open (not yet recovered) or forced open: traffic is stopped or nearly. */
    private static boolean stopped(CircuitBreaker b) {
        CircuitState s = b.state();
        return s == CircuitState.OPEN || s == CircuitState.HALF_OPEN || s == CircuitState.FORCED_OPEN;
    }

    /** Read without side effects (unlike {@code available}, which may take a half-open permit). */
    private static boolean up(NodeHealth h, long now) {
        if (h.checkedDown() || h.ejected(now)) return false;
        CircuitBreaker b = h.breaker();
        return b == null || !(b.state() == CircuitState.OPEN || b.state() == CircuitState.FORCED_OPEN);
    }

    private static Sample state(Map<String, String> labels, boolean on) {
        return new Sample(labels, on ? 1 : 0, on);
    }
}
