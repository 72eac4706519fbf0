package io.turnpike.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.turnpike.server.http1.RawHeaders;
import java.util.Iterator;

/**
 * What the upstream receives: the client's request head, edited in place. The target is
 * rewritten, the body's framing is written from what the decoder knew, and the forwarding headers
 * (X-Forwarded-*, Forwarded, Via, X-Request-Id, traceparent naming the attempt's span) are added.
 * Editing the decoded head is cheaper than copying it. Hop-by-hop headers were removed when the
 * request arrived ({@link ProxyHeaders#stripRequest}).
 */
final class Forwarding {
    private static final int MAX_AUTHORITY = 255 + 6;
    // Values the gateway writes on every request as bytes, so the encoder copies them instead of
    // writing a String char by char.
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString VIA = AsciiString.cached(ProxyHeaders.VIA_VALUE);

    private Forwarding() {}

    /** The Host of a request: "" when absent, null when there are several (a malformed request). */
    static String host(HttpHeaders h) {
        Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!it.hasNext()) return "";
        String host = it.next().toString();
        return it.hasNext() ? null : host;
    }

    /**
     * True for {@code host[:port]} where host is a DNS name or IPv4 address (letters, digits,
     * {@code - . _ ~}) or a bracketed IPv6 address, and port is up to five digits. Stricter than
     * RFC 3986's reg-name on purpose: the value goes into {@code Forwarded: host="..."},
     * {@code X-Forwarded-Host} and routing, where quotes, commas, semicolons and slashes could
     * forge an element or a path.
     */
    static boolean validAuthority(CharSequence a) {
        int n = a.length();
        if (n == 0 || n > MAX_AUTHORITY) return false;
        int i = 0;
        if (a.charAt(0) == '[') {
            int close = -1;
            for (i = 1; i < n; i++) {
                char c = a.charAt(i);
                if (c == ']') {
                    close = i;
                    break;
                }
                if (!(isHex(c) || c == ':' || c == '.')) return false;
            }
            if (close < 3) return false; // at least "[::]"
            i = close + 1;
        } else {
            for (; i < n && a.charAt(i) != ':'; i++) {
                char c = a.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || c == '-' || c == '.' || c == '_' || c == '~';
                if (!ok) return false;
            }
            if (i == 0) return false; // an empty host
        }
        if (i == n) return true;
        if (a.charAt(i) != ':' || n - i - 1 > 5) return false;
        for (int j = i + 1; j < n; j++) {
            char c = a.charAt(j);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /**
     * @param host          the authority the client asked for ("" if none), already checked by {@link #validAuthority}
     * @param trustedPeer   the peer is one of {@code server.trustedProxies}: its forwarding headers are extended, not replaced
     * @param chunked       the decoder read the body as chunked (else its Content-Length, if any, framed it)
     * @param fallbackHost  the Host to send when the client sent none (HTTP/1.0)
     * @param traceparent   the first attempt's traceparent (a retry sets its own)
     * @param tls           the client came through the TLS listener ({@code proto=https})
     * @param clientCert    the client certificate TLS verified (sent as RFC 9440 {@code Client-Cert}), or null
     */
    static void toUpstream(HttpRequest request, String uri, String host, String clientIp, boolean trustedPeer,
                           boolean chunked, String requestId, String fallbackHost, String traceparent, boolean tls,
                           io.turnpike.core.ClientCertificate clientCert) {
        String proto = tls ? "https" : "http";
        HttpHeaders h = request.headers();
        h.remove(HttpHeaderNames.EXPECT); // the gateway answers 100-continue itself
        // The framing is the decoder's: whatever the head says now, the body goes as it was read.
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (chunked) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        // From an untrusted peer these were removed on arrival, so what remains is a trusted proxy's.
        // Every value below is made of received values (checked on arrival), the peer's address, the
        // host checked by validAuthority, generated ids and constants: setOwn skips the checks.
        String xff = h.get(ProxyHeaders.X_FORWARDED_FOR);
        setOwn(h, ProxyHeaders.X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        if (!trustedPeer || !h.contains(ProxyHeaders.X_FORWARDED_PROTO)) {
            setOwn(h, ProxyHeaders.X_FORWARDED_PROTO, tls ? HTTPS : HTTP);
        }
        if (!host.isEmpty() && (!trustedPeer || !h.contains(ProxyHeaders.X_FORWARDED_HOST))) {
            setOwn(h, ProxyHeaders.X_FORWARDED_HOST, host);
        }
        String fwd = "for=" + forwardedNode(clientIp) + ";proto=" + proto + (host.isEmpty() ? "" : ";host=\"" + host + "\"");
        String prevFwd = h.get(ProxyHeaders.FORWARDED);
        setOwn(h, ProxyHeaders.FORWARDED, prevFwd == null ? fwd : prevFwd + ", " + fwd);
        appendVia(h);
        setOwn(h, ProxyHeaders.X_REQUEST_ID, requestId);
        setOwn(h, ProxyHeaders.TRACEPARENT, traceparent);
        if (clientCert != null) h.set(ProxyHeaders.CLIENT_CERT, clientCert.headerValue());
        if (host.isEmpty()) {
            h.set(HttpHeaderNames.HOST, fallbackHost);
        }
        request.setUri(uri);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** Adds this gateway to {@code Via} (requests and responses alike). */
    static void appendVia(HttpHeaders h) {
        String via = h.get(HttpHeaderNames.VIA);
        setOwn(h, HttpHeaderNames.VIA, via == null ? VIA : via + ", " + ProxyHeaders.VIA_VALUE);
    }

    /**
     * Sets one of the gateway's own fields whose value is valid by construction (see
     * {@link RawHeaders#setValid}): on a head read as bytes the checks are skipped, on any other
     * table it is an ordinary set.
     */
    static void setOwn(HttpHeaders h, AsciiString name, CharSequence value) {
        if (h instanceof RawHeaders raw) {
            raw.setValid(name, value);
        } else {
            h.set(name, value);
        }
    }

    /** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
    private static String forwardedNode(String ip) {
        return ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
    }

    /** A cookie's value from a request's Cookie header, or null (for hash balancing by cookie). */
    static String cookie(HttpHeaders h, String name) {
        String header = h.get(io.netty.handler.codec.http.HttpHeaderNames.COOKIE);
        if (header == null) return null;
        for (io.netty.handler.codec.http.cookie.Cookie c
                : io.netty.handler.codec.http.cookie.ServerCookieDecoder.LAX.decode(header)) {
            if (c.name().equals(name)) return c.value();
        }
        return null;
    }
}
