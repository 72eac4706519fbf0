package io.turnpike.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;
import io.turnpike.core.SnapshotView;
import io.turnpike.server.Serving;

/**
 * Metrics and the access log of one gateway, behind the one observer the gateway calls. Create it
 * before the gateway, pass it to {@code Gateway.start(config, observability)}, serve
 * {@link #scrape()} on {@code /metrics}, and close it after the gateway has drained.
 */
public final class Observability implements ExchangeObserver, AutoCloseable {
    private final GatewayMetrics metrics;
    private final AccessLog accessLog; // null when disabled

    public Observability() {
        this(AccessLogSettings.DEFAULT);
    }

    public Observability(AccessLogSettings accessLog) {
        this(new GatewayMetrics(), accessLog.enabled() ? AccessLog.open(accessLog) : null);
    }

    Observability(GatewayMetrics metrics, AccessLog accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
        if (accessLog != null) {
            FunctionCounter.builder("turnpike.access.log.dropped", accessLog, AccessLog::dropped)
                    .description("Access log lines dropped because the writer fell behind")
                    .register(metrics.registry());
        }
    }

    @Override
    public void onEnd(ExchangeView exchange) {
        metrics.record(exchange);
        if (accessLog != null) accessLog.offer(exchange);
    }

    @Override
    public void onRefused(Problems.Kind reason) {
        metrics.refused(reason);
    }

    @Override
    public void onWebSocket(boolean opened) {
        metrics.webSocket(opened);
    }

    @Override
    public void onSnapshot(SnapshotView snapshot) {
        // The gateway hands its own snapshot type; core's view only promises the config.
        if (snapshot instanceof Serving s) metrics.snapshot(s);
    }

    /** Reports the expiry of the TLS listener's certificates, read from {@code served} at each scrape. */
    public void certificates(java.util.function.Supplier<java.util.List<io.turnpike.tls.EdgeCertificates.Served>> served) {
        metrics.certificates(served);
    }

    /** Every metric in the Prometheus text format: what {@code /metrics} serves. Any thread. */
    /** The registry {@link #scrape} reads, for meters kept elsewhere (the fleet's). */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return metrics.registry();
    }

    public String scrape() {
        return metrics.scrape();
    }

    /**
     * Counts a config reload in {@code turnpike_config_reloads_total{result="ok|failed"}}. Call it
     * with true after a new config was applied, false when a changed file was refused. Any thread.
     */
    public void recordReload(boolean ok) {
        metrics.recordReload(ok);
    }

    /** The access log, or null when it is disabled. */
    AccessLog accessLog() {
        return accessLog;
    }

    /** Writes the access log lines still queued and closes the log; then releases the meters. */
    @Override
    public void close() {
        if (accessLog != null) accessLog.close();
        metrics.close();
    }
}
