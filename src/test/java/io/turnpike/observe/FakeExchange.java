package io.turnpike.observe;

import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;

/** A finished exchange made up in a test, for the parts that need no server. */
record FakeExchange(String requestId, long startEpochMillis, String clientIp, String method, String path,
                    String routeId, String serviceId, String nodeKey, int status, long bytesIn, long bytesOut,
                    long totalNanos, long upstreamNanos, int retries, Problems.Kind rejection, String outcome,
                    String traceId) implements ExchangeView {

    @Override public String parentSpanId() { return null; }
    @Override public String spanId() { return null; }
    @Override public boolean sampled() { return traceId != null; }
    @Override public java.util.List<ExchangeView.Attempt> attempts() { return java.util.List.of(); }

    static FakeExchange ok(String requestId) {
        return new FakeExchange(requestId, 1_700_000_000_123L, "127.0.0.1", "GET", "/api/items/1", "api", "svc",
                "127.0.0.1:9001", 200, 0, 2, 1_500_000, 1_000_000, 0, null, "ok",
                "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    static FakeExchange rejected(String requestId, Problems.Kind kind) {
        return new FakeExchange(requestId, 1_700_000_000_123L, "127.0.0.1", "GET", "/nowhere", null, null,
                null, kind.status().code(), 0, 120, 300_000, -1, 0, kind, "rejected", null);
    }
}
