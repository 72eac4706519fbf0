package io.turnpike.observe;

import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;

/**
 * The facts of one exchange copied off the live exchange on its event loop, so the log writer can
 * format them later on its own thread. Holds no header value: nothing secret can reach the log.
 */
record AccessRecord(long epochMillis, String requestId, String clientIp, String route, String service,
                    String node, String method, String path, int status, long bytesIn, long bytesOut,
                    long totalNanos, long upstreamNanos, int retries, String outcome, Problems.Kind rejection,
                    String traceId, String consumer, String auth, String profile, String grpcStatus) {

    static AccessRecord of(ExchangeView x) {
        return new AccessRecord(x.startEpochMillis(), x.requestId(), x.clientIp(), x.routeId(), x.serviceId(),
                x.nodeKey(), x.method(), x.path(), x.status(), x.bytesIn(), x.bytesOut(), x.totalNanos(),
                x.upstreamNanos(), x.retries(), x.outcome(), x.rejection(), x.traceId(), x.consumerId(),
                x.authDecision(), x.profile(), x.grpcStatus());
    }

    /** Successes may be sampled; errors never are. */
    static boolean isError(ExchangeView x) {
        return x.status() >= 400 || x.status() == 0 || !"ok".equals(x.outcome())
                || x.grpcStatus() != null && !x.grpcStatus().equals("0");
    }
}
