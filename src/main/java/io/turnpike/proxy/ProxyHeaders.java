package io.turnpike.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Header hygiene between the client and the upstream: which headers are hop-by-hop (never
 * forwarded) and the forwarding headers the gateway adds.
 */
public final class ProxyHeaders {
    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    public static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString X_CONSUMER_ID = AsciiString.cached("x-consumer-id");
    public static final AsciiString X_CONSUMER_GROUPS = AsciiString.cached("x-consumer-groups");
    public static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    public static final String VIA_VALUE = "1.1 turnpike";

    /** RFC 9110 7.6.1 plus the Proxy-* family and the de-facto Keep-Alive / Proxy-Connection. */
    private static final AsciiString[] HOP_BY_HOP = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE};

    private ProxyHeaders() {}

    /** Case-insensitive; allocates nothing (it runs for every header of every message). */
    static boolean isHopByHop(CharSequence name) {
        int n = name.length();
        for (AsciiString h : HOP_BY_HOP) {
            if (h.length() == n && h.contentEqualsIgnoreCase(name)) return true;
        }
        return startsWithProxy(name);
    }

    private static boolean startsWithConsumer(CharSequence name) {
        return name.length() > 11 && AsciiString.regionMatches(name, true, 0, "x-consumer-", 0, 11);
    }

    private static boolean startsWithProxy(CharSequence name) {
        return name.length() > 6 && AsciiString.regionMatches(name, true, 0, "proxy-", 0, 6);
    }

    /**
     * Removes, in place, every hop-by-hop header: the fixed set, every {@code Proxy-*} header and
     * every header that {@code Connection} names. Editing the message the decoder produced is
     * cheaper than copying its end-to-end headers into a new one.
     */
    static void stripHopByHop(HttpHeaders h) {
        stripHopByHop(h, false);
    }

    /**
     * @param consumerHeaders also drop every {@code X-Consumer-*} header (on requests: only the
     *                        gateway says who is calling), in the same pass over the names
     */
    static void stripHopByHop(HttpHeaders h, boolean consumerHeaders) {
        List<String> named = connectionTokens(h);
        if (named != null) {
            for (String n : named) h.remove(n);
        }
        for (AsciiString n : HOP_BY_HOP) {
            h.remove(n);
        }
        List<CharSequence> proxied = null;
        var it = h.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (startsWithProxy(name) || consumerHeaders && startsWithConsumer(name)) {
                if (proxied == null) proxied = new ArrayList<>(2);
                proxied.add(name);
            }
        }
        if (proxied != null) {
            for (CharSequence n : proxied) h.remove(n);
        }
    }

    private static List<String> connectionTokens(HttpHeaders h) {
        List<String> values = h.getAll(HttpHeaderNames.CONNECTION);
        if (values.isEmpty()) return null;
        List<String> tokens = null;
        for (String v : values) {
            for (String t : v.split(",")) {
                t = t.trim();
                if (t.isEmpty() || t.equalsIgnoreCase("close") || t.equalsIgnoreCase("keep-alive")) continue;
                if (tokens == null) tokens = new ArrayList<>(2);
                tokens.add(t);
            }
        }
        return tokens;
    }

    private static boolean containsIgnoreCase(List<String> list, CharSequence name) {
        for (String s : list) {
            if (AsciiString.contentEqualsIgnoreCase(s, name)) return true;
        }
        return false;
    }
}
