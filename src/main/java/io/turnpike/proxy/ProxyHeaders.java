package io.turnpike.proxy;

import io.turnpike.core.Problems;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import io.turnpike.server.http1.RawHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Header hygiene between the client and the upstream: which headers are hop-by-hop (never
 * forwarded) and the forwarding headers the gateway adds.
 */
public final class ProxyHeaders {
    public static final AsciiString X_REQUEST_ID = Problems.X_REQUEST_ID;
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    public static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString X_CONSUMER_ID = AsciiString.cached("x-consumer-id");
    public static final AsciiString X_CONSUMER_GROUPS = AsciiString.cached("x-consumer-groups");
    public static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    /** The gateway's verdict on the client's profile ({@code clients:}); a client never says it. */
    public static final AsciiString X_CLIENT_PROFILE = AsciiString.cached("x-client-profile");
    /** RFC 9440: the client certificate the gateway verified; only the gateway ever says it. */
    public static final AsciiString CLIENT_CERT = AsciiString.cached("client-cert");
    public static final AsciiString CLIENT_CERT_CHAIN = AsciiString.cached("client-cert-chain");
    public static final String VIA_VALUE = "1.1 turnpike";

    /**
     * RFC 9110 7.6.1 plus the Proxy-* family, the de-facto Keep-Alive / Proxy-Connection, and
     * HTTP2-Settings (it belongs to an {@code Upgrade: h2c} the gateway never honours nor forwards).
     */
    private static final AsciiString[] HOP_BY_HOP = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE, AsciiString.cached("http2-settings")};

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
        return name.length() > 11 && (name.charAt(0) | 0x20) == 'x' && AsciiString.regionMatches(name, true, 0, "x-consumer-", 0, 11);
    }

    private static boolean startsWithProxy(CharSequence name) {
        // the first letter first: this runs for every field of every message, and few start with a p
        return name.length() > 6 && (name.charAt(0) | 0x20) == 'p' && AsciiString.regionMatches(name, true, 0, "proxy-", 0, 6);
    }

    /**
     * Headers a {@code Connection} token may never remove: the message's framing and routing
     * ({@code Content-Length}, {@code Host}), the ones with a rule of their own
     * ({@code Transfer-Encoding}, {@code TE}: always dropped here, the framing is re-written from
     * what the decoder knows), and the forwarding family ({@code X-Forwarded-*}, {@code Forwarded},
     * {@code X-Real-IP}: removed from an untrusted peer anyway, and from a trusted proxy they say who
     * the client is). Otherwise {@code Connection: Content-Length} would send a body without its
     * length and the origin would read it as a second request, and a client behind a trusted proxy
     * that passes Connection on could name {@code X-Forwarded-For} away: the gateway's own policies
     * resolve the client before this strip, but the service would take the proxy for the client
     * (and read http for an https call, with {@code X-Forwarded-Proto} named).
     */
    private static boolean mayBeNominated(CharSequence token) {
        return !(HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.TE.contentEqualsIgnoreCase(token)
                || isForwardedFamily(token));
    }

    /**
     * Removes, in place, every hop-by-hop header: the fixed set, every {@code Proxy-*} header and
     * every header that {@code Connection} names, except the framing and routing headers no token
     * may remove ({@link #mayBeNominated}). Editing the message the decoder produced is cheaper
     * than copying its end-to-end headers into a new one. Callers that forward a body re-write its
     * framing afterwards from what the decoder knew (Transfer-Encoding is always removed here).
     */
    static void stripHopByHop(HttpHeaders h) {
        stripHopByHop(h, false);
    }

    /**
     * @param consumerHeaders also drop every {@code X-Consumer-*} header (on requests: only the
     *                        gateway says who is calling), in the same pass over the names
     */
    static void stripHopByHop(HttpHeaders h, boolean consumerHeaders) {
        strip(h, consumerHeaders, false);
    }

    /**
     * A client request's clean-up before anything reads it: hop-by-hop headers, any
     * {@code X-Consumer-*}, {@code X-Client-Profile}, {@code Client-Cert(-Chain)}, and, from a peer that is not a trusted proxy, the forwarding family
     * ({@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP}): only the gateway and the proxies it
     * trusts may say where a call came from.
     */
    static void stripRequest(HttpHeaders h, boolean untrustedPeer) {
        boolean trailers = acceptsTrailers(h);
        strip(h, true, untrustedPeer);
        h.remove(X_CLIENT_PROFILE); // also where no profiles are configured, so a service can trust it
        h.remove(CLIENT_CERT); // from any peer, trusted or not: the gateway says it from its own handshake
        h.remove(CLIENT_CERT_CHAIN);
        // The one TE a proxy passes on (RFC 9113 8.2.2): the gateway relays trailers, and gRPC needs it.
        if (trailers) h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }

    /** {@code TE} names {@code trailers} among its codings. */
    private static boolean acceptsTrailers(HttpHeaders h) {
        if (!h.contains(HttpHeaderNames.TE)) return false; // getAll makes a list even for none
        for (String v : h.getAll(HttpHeaderNames.TE)) {
            for (String t : v.split(",")) {
                int semi = t.indexOf(';');
                if ((semi < 0 ? t : t.substring(0, semi)).trim().equalsIgnoreCase("trailers")) return true;
            }
        }
        return false;
    }

    /**
     * One pass over the names finds everything to drop (most heads carry none of it), instead of a
     * lookup per hop-by-hop name; only the names found are removed.
     */
    private static void strip(HttpHeaders h, boolean consumerHeaders, boolean forwardedFamily) {
        List<String> named = connectionTokens(h);
        if (named != null) {
            for (String n : named) h.remove(n);
        }
        if (h instanceof RawHeaders raw) { // a head read into offsets drops fields in place, by their bytes
            raw.removeIf(DROPPED[(consumerHeaders ? 1 : 0) + (forwardedFamily ? 2 : 0)]);
            return;
        }
        List<CharSequence> dropped = null;
        var it = h.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (isHopByHop(name) || consumerHeaders && startsWithConsumer(name)
                    || forwardedFamily && isForwardedFamily(name)) {
                if (dropped == null) dropped = new ArrayList<>(2);
                if (!containsIgnoreCase(dropped, name)) dropped.add(name);
            }
        }
        if (dropped != null) {
            for (CharSequence n : dropped) h.remove(n);
        }
    }

    /** What {@link #strip} drops, by its two flags (consumer headers 1, forwarding family 2). */
    @SuppressWarnings("unchecked")
    private static final Predicate<CharSequence>[] DROPPED = new Predicate[] {
            (Predicate<CharSequence>) ProxyHeaders::isHopByHop,
            (Predicate<CharSequence>) n -> isHopByHop(n) || startsWithConsumer(n),
            (Predicate<CharSequence>) n -> isHopByHop(n) || isForwardedFamily(n),
            (Predicate<CharSequence>) n -> isHopByHop(n) || startsWithConsumer(n) || isForwardedFamily(n)};

    /** {@code Forwarded}, {@code X-Real-IP} and every {@code X-Forwarded-*}. */
    private static boolean isForwardedFamily(CharSequence name) {
        return name.length() == 9 && (FORWARDED.contentEqualsIgnoreCase(name) || X_REAL_IP.contentEqualsIgnoreCase(name))
                || startsWithForwarded(name);
    }

    private static boolean startsWithForwarded(CharSequence name) {
        return name.length() > 12 && (name.charAt(0) | 0x20) == 'x' && AsciiString.regionMatches(name, true, 0, "x-forwarded-", 0, 12);
    }

    /**
     * The header names {@code Connection} nominates, without close/keep-alive and the protected ones.
     * Each value is split at commas and each piece trimmed of characters up to SP, as
     * {@code String.split} and {@code trim} would; a value that names only close and keep-alive
     * (what most nodes send on every response) makes no list and no piece.
     */
    private static List<String> connectionTokens(HttpHeaders h) {
        if (!h.contains(HttpHeaderNames.CONNECTION)) return null; // the usual request, without a list
        List<String> tokens = null;
        for (Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HttpHeaderNames.CONNECTION); it.hasNext(); ) {
            CharSequence v = it.next();
            int n = v.length();
            for (int from = 0; from <= n; ) {
                int comma = from;
                while (comma < n && v.charAt(comma) != ',') comma++;
                int s = from;
                int e = comma;
                while (s < e && v.charAt(s) <= ' ') s++;
                while (e > s && v.charAt(e - 1) <= ' ') e--;
                from = comma + 1;
                if (s == e || isToken(v, s, e, HttpHeaderValues.CLOSE) || isToken(v, s, e, HttpHeaderValues.KEEP_ALIVE)) continue;
                String t = v.subSequence(s, e).toString();
                if (!mayBeNominated(t)) continue;
                if (tokens == null) tokens = new ArrayList<>(2);
                tokens.add(t);
            }
        }
        return tokens;
    }

    /**
     * {@code v[s, e)} is {@code token}, ASCII case ignored. The same answer as
     * {@code String.equalsIgnoreCase} for what a header value holds (ISO-8859-1 chars): no char
     * there folds onto an ASCII letter but the ASCII letters themselves.
     */
    private static boolean isToken(CharSequence v, int s, int e, AsciiString token) {
        return e - s == token.length() && AsciiString.regionMatches(v, true, s, token, 0, e - s);
    }

    /**
     * {@link HttpUtil#isKeepAlive}, without its list and token split for the usual message that has
     * no {@code Connection} header (then the version decides, as it does there).
     */
    static boolean keepAlive(HttpMessage m) {
        return m.headers().contains(HttpHeaderNames.CONNECTION) ? HttpUtil.isKeepAlive(m)
                : m.protocolVersion().isKeepAliveDefault();
    }

    private static boolean containsIgnoreCase(List<? extends CharSequence> list, CharSequence name) {
        for (CharSequence s : list) {
            if (AsciiString.contentEqualsIgnoreCase(s, name)) return true;
        }
        return false;
    }
}
