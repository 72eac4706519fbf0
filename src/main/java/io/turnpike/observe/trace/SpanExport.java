package io.turnpike.observe.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Exports a span per request (kind SERVER, child of the client's span when it sent one) and a
 * child span per upstream attempt (kind CLIENT, the parent the node saw), through the
 * OpenTelemetry SDK. Spans are built when the exchange ends, from what it recorded; the batch
 * processor sends them from its own thread.
 */
public final class SpanExport implements ExchangeObserver, AutoCloseable {
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> SERVER = AttributeKey.stringKey("server.address");
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("turnpike.service");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("turnpike.request_id");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("turnpike.outcome");

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    /**
     * @param sampleRatio share of the traces that start at the gateway to keep; a client's
     *                    sampled flag is always followed
     */
    public SpanExport(SpanExporter exporter, double sampleRatio) {
        this.provider = SdkTracerProvider.builder()
                .setIdGenerator(new PresetIds())
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
                .setResource(Resource.getDefault().toBuilder().put("service.name", "turnpike").build())
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500)).build())
                .build();
        this.tracer = provider.get("io.turnpike");
    }

    /** OTLP over HTTP (protobuf) to e.g. {@code http://collector:4318/v1/traces}. */
    public static SpanExport otlp(String endpoint, double sampleRatio) {
        return new SpanExport(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build(), sampleRatio);
    }

    @Override
    public void onEnd(ExchangeView x) {
        if (x.spanId() == null) return; // refused before routing: no trace context was made
        long start = TimeUnit.MILLISECONDS.toNanos(x.startEpochMillis());
        Context parent = Context.root();
        if (x.parentSpanId() != null) {
            parent = parent.with(Span.wrap(SpanContext.createFromRemoteParent(x.traceId(), x.parentSpanId(),
                    x.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
        }
        PresetIds.next(x.traceId(), x.spanId());
        Span request = tracer.spanBuilder(x.method() + " " + (x.routeId() != null ? x.routeId() : x.path()))
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setStartTimestamp(start, TimeUnit.NANOSECONDS)
                .setAttribute(METHOD, x.method())
                .setAttribute(PATH, x.path())
                .setAttribute(CLIENT, x.clientIp())
                .setAttribute(REQUEST_ID, x.requestId())
                .startSpan();
        try {
            if (x.routeId() != null) request.setAttribute(ROUTE, x.routeId());
            if (x.serviceId() != null) request.setAttribute(SERVICE, x.serviceId());
            request.setAttribute(STATUS, (long) x.status());
            request.setAttribute(OUTCOME, x.outcome());
            if (x.status() >= 500 || x.status() == 0) request.setStatus(StatusCode.ERROR);
            if (request.getSpanContext().isSampled()) {
                Context inRequest = Context.root().with(request);
                for (ExchangeView.Attempt a : x.attempts()) {
                    PresetIds.next(x.traceId(), a.spanId());
                    // An aggregate route has no one service: its calls' spans are named by node.
                    Span attempt = tracer.spanBuilder("upstream " + (x.serviceId() != null ? x.serviceId() : a.nodeKey()))
                            .setSpanKind(SpanKind.CLIENT)
                            .setParent(inRequest)
                            .setStartTimestamp(start + a.startOffsetNanos(), TimeUnit.NANOSECONDS)
                            .setAttribute(SERVER, a.nodeKey())
                            .setAttribute(OUTCOME, a.outcome())
                            .startSpan();
                    if (!a.outcome().equals("ok")) attempt.setStatus(StatusCode.ERROR);
                    attempt.end(start + a.endOffsetNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } finally {
            PresetIds.next(null, null);
            request.end(start + x.totalNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Sends what is queued (for tests and shutdown). */
    public void flush() {
        provider.forceFlush().join(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
