package io.turnpike.observe.trace;

import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * Span ids decided before the span exists. The gateway picks its span ids while forwarding (the
 * upstream must see them in its traceparent), and the spans are built afterwards; the SDK takes
 * the ids from here, set on the building thread just before each span starts.
 */
final class PresetIds implements IdGenerator {
    private static final ThreadLocal<String[]> NEXT = ThreadLocal.withInitial(() -> new String[2]);

    /** The ids the next span built on this thread takes. */
    static void next(String traceId, String spanId) {
        String[] ids = NEXT.get();
        ids[0] = traceId;
        ids[1] = spanId;
    }

    @Override
    public String generateSpanId() {
        String id = NEXT.get()[1];
        return id != null ? id : IdGenerator.random().generateSpanId();
    }

    @Override
    public String generateTraceId() {
        String id = NEXT.get()[0];
        return id != null ? id : IdGenerator.random().generateTraceId();
    }
}
