package io.turnpike.proxy;

import io.turnpike.core.ExchangeView;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * One request's trace: its context, the span id of the upstream attempt under way (the parent the
 * node sees), and, while span export is on, the record of every attempt.
 */
final class AttemptTrace implements UpstreamRequest.Spans {
    final TraceContext context;
    private final long exchangeStartNanos;
    private final List<ExchangeView.Attempt> log; // null unless span export is on
    private String spanId = TraceContext.newSpanId();
    private long startNanos;
    private int attempts;

    AttemptTrace(String clientTraceparent, long exchangeStartNanos, boolean record) {
        this.context = TraceContext.from(clientTraceparent);
        this.exchangeStartNanos = exchangeStartNanos;
        this.log = record ? new ArrayList<>(2) : null;
    }

    /** The traceparent of the attempt under way. */
    String header() {
        return context.header(spanId);
    }

    /**
     * A new try at a node. The first uses the span id already in the head; a later one gets its
     * own (written into {@code head}), so the node it reaches sees that attempt as its parent.
     */
    @Override
    public void begin(HttpHeaders head, long now) {
        if (++attempts > 1) {
            spanId = TraceContext.newSpanId();
            head.set(ProxyHeaders.TRACEPARENT, header());
        }
        startNanos = now;
    }

    /** Closes the attempt under way (if any) as {@code how}: ok, connect-failed, failed, timeout. */
    @Override
    public void end(String nodeKey, String how, long now) {
        if (startNanos == 0) return;
        log(spanId, nodeKey, startNanos, now, how);
        startNanos = 0;
    }

    /**
     * The spans of a call made beside the request's own (one of an aggregation): every try is a
     * span of its own, recorded when span export is on.
     */
    UpstreamRequest.Spans call() {
        return new UpstreamRequest.Spans() {
            private String spanId;
            private long start;

            @Override
            public void begin(HttpHeaders head, long now) {
                spanId = TraceContext.newSpanId();
                start = now;
                head.set(ProxyHeaders.TRACEPARENT, context.header(spanId));
            }

            @Override
            public void end(String nodeKey, String how, long now) {
                if (start == 0) return;
                log(spanId, nodeKey, start, now, how);
                start = 0;
            }
        };
    }

    private void log(String attemptSpanId, String nodeKey, long start, long end, String how) {
        if (log != null) {
            log.add(new ExchangeView.Attempt(attemptSpanId, nodeKey, start - exchangeStartNanos,
                    end - exchangeStartNanos, how));
        }
    }

    List<ExchangeView.Attempt> attempts() {
        return log == null ? List.of() : log;
    }
}
