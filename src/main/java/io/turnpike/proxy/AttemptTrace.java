package io.turnpike.proxy;

import io.turnpike.core.ExchangeView;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * One request's trace: its context, the span id of the upstream attempt under way (the parent the
 * node sees), and, while span export is on, the record of every attempt.
 */
final class AttemptTrace {
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
    void begin(HttpHeaders head, long now) {
        if (++attempts > 1) {
            spanId = TraceContext.newSpanId();
            head.set(ProxyHeaders.TRACEPARENT, header());
        }
        startNanos = now;
    }

    /** When the attempt under way began; 0 when none is. */
    long startNanos() {
        return startNanos;
    }

    /** Closes the attempt under way (if any) as {@code how}: ok, connect-failed, failed, timeout. */
    void end(String nodeKey, String how, long now) {
        if (startNanos == 0) return;
        if (log != null) {
            log.add(new ExchangeView.Attempt(spanId, nodeKey, startNanos - exchangeStartNanos,
                    now - exchangeStartNanos, how));
        }
        startNanos = 0;
    }

    /** Records an attempt made beside the request's own (a call of an aggregation), when span export is on. */
    void record(String attemptSpanId, String nodeKey, long startNanos, long endNanos, String how) {
        if (log != null) {
            log.add(new ExchangeView.Attempt(attemptSpanId, nodeKey, startNanos - exchangeStartNanos,
                    endNanos - exchangeStartNanos, how));
        }
    }

    List<ExchangeView.Attempt> attempts() {
        return log == null ? List.of() : log;
    }
}
