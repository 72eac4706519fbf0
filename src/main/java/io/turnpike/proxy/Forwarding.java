package io.turnpike.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;

/**
 * What the upstream receives: the client's request head, edited in place. The target is
 * rewritten, hop-by-hop headers go, and the forwarding headers (X-Forwarded-*, Forwarded, Via,
 * X-Request-Id, traceparent naming the attempt's span) are added. Editing the decoded head is cheaper than copying it.
 */
final class Forwarding {
    private Forwarding() {}

    /** The Host of a request: "" when absent, null when there are several (a malformed request). */
    static String host(HttpHeaders h) {
        Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!it.hasNext()) return "";
        String host = it.next().toString();
        return it.hasNext() ? null : host;
    }

    /**
     * @param host          the authority the client asked for ("" if none)
     * @param fallbackHost  the Host to send when the client sent none (HTTP/1.0)
     */
    /** @param traceparent the first attempt's traceparent (a retry sets its own) */
    static void toUpstream(HttpRequest request, String uri, String host, String clientIp, String requestId,
                           String fallbackHost, String traceparent) {
        HttpHeaders h = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        ProxyHeaders.stripHopByHop(h, true); // and any X-Consumer-* the client sent
        h.remove(HttpHeaderNames.EXPECT); // the gateway answers 100-continue itself
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        String xff = h.get(ProxyHeaders.X_FORWARDED_FOR);
        h.set(ProxyHeaders.X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        h.set(ProxyHeaders.X_FORWARDED_PROTO, "http");
        if (!host.isEmpty()) {
            h.set(ProxyHeaders.X_FORWARDED_HOST, host);
        }
        String fwd = "for=" + forwardedNode(clientIp) + ";proto=http" + (host.isEmpty() ? "" : ";host=\"" + host + "\"");
        String prevFwd = h.get(ProxyHeaders.FORWARDED);
        h.set(ProxyHeaders.FORWARDED, prevFwd == null ? fwd : prevFwd + ", " + fwd);
        appendVia(h);
        h.set(ProxyHeaders.X_REQUEST_ID, requestId);
        h.set(ProxyHeaders.TRACEPARENT, traceparent);
        if (host.isEmpty()) {
            h.set(HttpHeaderNames.HOST, fallbackHost);
        }
        request.setUri(uri);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** Adds this gateway to {@code Via} (requests and responses alike). */
    static void appendVia(HttpHeaders h) {
        String via = h.get(HttpHeaderNames.VIA);
        h.set(HttpHeaderNames.VIA, via == null ? ProxyHeaders.VIA_VALUE : via + ", " + ProxyHeaders.VIA_VALUE);
    }

    /** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
    private static String forwardedNode(String ip) {
        return ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
    }
}
