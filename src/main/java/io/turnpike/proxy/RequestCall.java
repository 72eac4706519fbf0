package io.turnpike.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.EventExecutor;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.TrustedProxies;
import io.turnpike.core.AttrKey;
import io.turnpike.core.Consumer;
import io.turnpike.core.PolicyCall;
import io.turnpike.route.RouteMatch;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The request as the route's policies see it, and what they leave for the rest of the exchange:
 * the consumer and claims, the client profile, response headers, a new upstream path or query, a
 * body edit or limit, and typed attributes ({@link AttrKey}: a quota reservation). One per
 * exchange, confined to its loop.
 */
final class RequestCall implements PolicyCall {
    private final HttpRequest request;
    private final String requestId;
    private final Downstream down;
    private final RequestBody body;
    private final long startNanos;
    private final TrustedProxies trustedProxies;
    private boolean trustedPeer;
    private String path;
    private String query;
    private RouteMatch<ProxyRoute> match;
    private Consumer consumer;
    private Map<String, Object> claims = Map.of();
    private String authDecision;
    private HttpHeaders responseHeaders;
    private String profile;
    private String upstreamPath;
    private Map<AttrKey<?>, Object> attrs; // made by the first step that leaves something
    private boolean clientResolved;
    private TrustedProxies.Client forwardedClient;

    RequestCall(HttpRequest request, String requestId, Downstream down, RequestBody body, long startNanos,
            TrustedProxies trustedProxies) {
        this.request = request;
        this.requestId = requestId;
        this.down = down;
        this.body = body;
        this.startNanos = startNanos;
        this.trustedProxies = trustedProxies;
    }

    /** The head was checked: whether its peer is a trusted proxy, and where it goes. */
    void peer(boolean trusted) {
        this.trustedPeer = trusted;
        if (trusted) forwardedClient(); // resolved from X-Forwarded-For as the client sent it
    }

    boolean trustedPeer() { return trustedPeer; }
    void target(String path, String query) { this.path = path; this.query = query; }
    void routed(RouteMatch<ProxyRoute> match) { this.match = match; }
    String upstreamPathOverride() { return upstreamPath; }
    String authDecisionMade() { return authDecision; }
    String rawPath() { return path; }

    /** The policies' response headers, or null when none set any. */
    HttpHeaders responseHeadersIfAny() { return responseHeaders; }

    @Override public HttpHeaders headers() { return request.headers(); }
    @Override public String method() { return request.method().name(); }
    @Override public String path() { return path != null ? path : request.uri(); }
    @Override public String query() { return query; }
    @Override public void query(String query) { this.query = query; }
    @Override public RouteSpec route() { return match.route().spec; }
    @Override public long contentLength() { return HttpUtil.getContentLength(request, -1L); }
    @Override public void maxBodyBytes(long max) { body.maxBytes(max); }
    @Override public Consumer consumer() { return consumer; }
    @Override public void authenticated(Consumer consumer, Map<String, Object> claims) {
        this.consumer = consumer;
        this.claims = claims;
    }
    @Override public Map<String, Object> claims() { return claims; }
    @Override public void authDecision(String decision) { authDecision = decision; }
    @Override public HttpHeaders responseHeaders() {
        if (responseHeaders == null) responseHeaders = new DefaultHttpHeaders(false);
        return responseHeaders;
    }
    @Override public EventExecutor executor() { return down.loop(); }
    @Override public io.turnpike.core.ClientCertificate clientCertificate() { return down.clientCertificate(); }
    @Override public long startNanos() { return startNanos; }
    @Override public String requestId() { return requestId; }
    @Override public String pathVariable(String name) { return match == null ? null : match.variable(name); }
    @Override public String profile() { return profile; }
    @Override public void profile(String name) { profile = name; }
    @Override public void upstreamPath(String p) { upstreamPath = p; }
    @Override public void editBody(PolicyCall.BodyEdit edit) { body.edit(edit); }
    @SuppressWarnings("unchecked")
    @Override public <T> T attr(AttrKey<T> key) { return attrs == null ? null : (T) attrs.get(key); }
    @Override public <T> void attr(AttrKey<T> key, T value) {
        if (attrs == null) attrs = new IdentityHashMap<>(4);
        attrs.put(key, value);
    }

    @Override public byte[] clientAddress() {
        TrustedProxies.Client c = forwardedClient();
        return c == null ? down.clientAddress() : c.address();
    }

    @Override public String clientIp() {
        TrustedProxies.Client c = forwardedClient();
        return c == null ? down.clientIp() : c.ip();
    }

    /** The client behind a trusted proxy (X-Forwarded-For), resolved once; null = the peer itself. */
    private TrustedProxies.Client forwardedClient() {
        if (!clientResolved) {
            clientResolved = true;
            if (trustedPeer) {
                forwardedClient = trustedProxies.resolve(down.clientAddress(),
                        request.headers().getAll(ProxyHeaders.X_FORWARDED_FOR));
            }
        }
        return forwardedClient;
    }

    /**
     * The policies' response headers replace the same names on what the client gets ({@code Vary}
     * adds to it). Two passes over their entries, clearing then adding, rather than a set of names
     * and a list of values per name: this runs on every answer of a rate-limited route.
     */
    void addResponseHeaders(HttpHeaders out) {
        if (responseHeaders == null || responseHeaders.isEmpty()) return;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = responseHeaders.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (!HttpHeaderNames.VARY.contentEqualsIgnoreCase(name)) out.remove(name);
        }
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = responseHeaders.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            out.add(e.getKey(), e.getValue());
        }
    }
}
