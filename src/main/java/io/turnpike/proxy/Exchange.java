package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.config.TrustedProxies;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.LoopClock;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import io.turnpike.policy.CorsPreflightPolicy;
import io.turnpike.route.RequestPath;
import io.turnpike.route.RouteMatch;
import io.turnpike.upstream.breaker.Outcome;
import java.util.List;

/**
 * One request and its response, in one straight line: check and route the head, run the route's
 * policies ({@link PolicyRun}), dispatch to the terminal step ({@link ProxyDispatch} to one
 * service, or {@link AggregateDispatch}), relay the response ({@link ResponseRelay}), and tell the
 * observers once. The client side is a protocol-neutral {@link Downstream}; the request body a
 * {@link RequestBody}; the request as policies see it a {@link RequestCall}. Confined to the
 * client's event loop.
 */
final class Exchange implements ExchangeView, PolicyRun.Steps {
    private final Downstream down;
    private final ProxyContext context;
    private final Snapshot snapshot;
    private final HttpRequest request;
    private final String requestId;
    private final RequestBody body;
    private final RequestCall call;
    private final long startNanos;
    private final long startMillis = LoopClock.currentTimeMillis();
    private long upstreamStartNanos = -1;
    private long endNanos;
    private Phase phase = Phase.RECEIVED;
    private int status;
    private long replyBytes = -1; // the length of an answer the gateway made; else the relay counts
    private String path;
    private String upstreamHost;
    private Problems.Kind rejection;
    private String outcome = "ok";
    private String failure; // the detail of the problem the gateway answers with
    private String grpcStatus; // of a gRPC answer, for the log and metrics
    private String grpcWebType; // a grpc-web caller's content type, its call translated to gRPC
    private RouteMatch<ProxyRoute> match;
    private ProxyRoute route;
    private Deadline deadline = new Deadline(0); // the route's, once routed
    private boolean expectContinue;
    private AttemptTrace trace;
    private ProxyDispatch proxy; // a proxied route's request on its way: tries, nodes, connection
    private UpstreamRequest upstream; // proxy's, kept at hand
    private AggregateDispatch aggregate;
    private boolean webSocket; // a WebSocket handshake on a websocket: true route: the node's 101 opens a tunnel

    /** Where the exchange is: each phase follows the one before it, and any may end in {@code DONE}. */
    enum Phase {
        /** The head is in: routing and the policy chain run. */
        RECEIVED,
        /** A policy step decides elsewhere; the chain resumes on this loop. */
        CHECKING,
        /** The request body is held whole, to be edited before it is sent. */
        COLLECTING,
        /** Sent on to the service (or to the aggregation's calls); no response yet. */
        FORWARDING,
        /** The response began: its head went to the client, or is held for a transform. */
        RESPONDING,
        /** Answered or cut off; observers have seen it. */
        DONE
    }

    Exchange(Downstream down, HttpRequest request) {
        this.down = down;
        this.context = down.context();
        this.snapshot = context.snapshot();
        this.request = request;
        this.startNanos = now();
        this.requestId = RequestIds.keepOrMake(request.headers().get(ProxyHeaders.X_REQUEST_ID));
        this.body = new RequestBody(this, down, request, snapshot.config().server().limits());
        this.call = new RequestCall(request, requestId, down, body, startNanos, snapshot.config().server().trustedProxies());
    }

    boolean done() { return phase == Phase.DONE; }

    /** The loop's clock: the one node stats, breakers, spans and every request deadline read. */
    private long now() { return LoopClock.nanoTime(down.loop()); }

    boolean requestComplete() { return body.complete(); }

    /** The request has a body (its head says so, or an edit gave it one). */
    boolean requestHasBody() { return body.present(); }

    /** True while more of the request body can be taken now. */
    boolean wantsRequestBytes() {
        return phase != Phase.DONE && body.wantsBytes(upstreamChannel(), phase == Phase.COLLECTING);
    }

    private Channel upstreamChannel() {
        return upstream == null ? null : upstream.channel();
    }

    // ---- the head: check, strip, route ------------------------------------------------------------

    void start() {
        context.requestStarted();
        HttpHeaders h = request.headers();
        DecoderResult dr = request.decoderResult();
        if (dr.isFailure()) {
            Throwable cause = dr.cause();
            down.poisoned();
            fail(HeadCheck.kindOf(cause), cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            return;
        }
        HeadCheck head = HeadCheck.of(request);
        path = head.path();
        if (head.refusal() != null) {
            fail(Problems.Kind.MALFORMED, head.refusal());
            return;
        }
        String host = head.host();
        RequestPath target = head.target();
        // Before anything reads the head: hop-by-hop headers go (never the framing or Host), so do
        // X-Consumer-* and, from an untrusted peer, the forwarding headers.
        TrustedProxies tp = snapshot.config().server().trustedProxies();
        call.peer(!tp.isEmpty() && tp.trusts(down.clientAddress()));
        boolean handshake = WebSocketTunnel.isHandshake(request); // before its Upgrade goes with the hop-by-hop headers
        ProxyHeaders.stripRequest(h, !call.trustedPeer());
        RouteMatch<ProxyRoute> m = route(host, target.path(), h);
        if (m.kind() == RouteMatch.Kind.NOT_FOUND) {
            fail(Problems.Kind.NOT_FOUND, "no route for " + request.method() + " " + target.path());
            return;
        }
        if (m.kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED) {
            reply(Problems.Kind.METHOD_NOT_ALLOWED,
                    LocalReplies.methodNotAllowed(down.alloc(), request.method().name(), m.allowed(), requestId));
            return;
        }
        // Method names are case-sensitive, but a node may not treat them so: "trace" and "Connect"
        // are refused as TRACE and CONNECT are.
        String method = request.method().name();
        if (method.equalsIgnoreCase("TRACE") && !m.route().spec.match().methods().contains(method)) {
            // A node that answers TRACE echoes the request as it arrived: with the headers the
            // gateway added (the forwarding chain, the consumer and its groups, a client
            // certificate). As nginx does, only a route that names TRACE passes it on.
            reply(Problems.Kind.METHOD_NOT_ALLOWED, LocalReplies.methodNotAllowed(down.alloc(),
                    method, allowedBut(m.route().spec.match().methods(), "TRACE"), requestId));
            return;
        }
        if (method.equalsIgnoreCase("CONNECT")) {
            // A gateway has no tunnel to offer: forwarded, a node's 2xx would turn its connection
            // into a tunnel nothing relays, and the client would wait for an answer that never
            // comes. What a client sends after a CONNECT is meant for the tunnel, not for a next
            // request on this connection, so the connection closes after the answer.
            down.poisoned();
            reply(Problems.Kind.METHOD_NOT_ALLOWED, LocalReplies.methodNotAllowed(down.alloc(),
                    method, allowedBut(m.route().spec.match().methods(), "CONNECT"), requestId));
            return;
        }
        route = m.route();
        match = m;
        webSocket = handshake && route.spec.websocket();
        if (route.spec.grpcWeb() && Grpc.isWebText(h)) body.decodeBase64(); // from its first byte, held or not
        deadline = new Deadline(route.requestTimeoutNanos);
        // A grpc-web call on a grpcWeb route is a gRPC call to the service: its deadline holds too.
        boolean grpcCall = Grpc.isGrpc(h) || route.spec.grpcWeb() && (Grpc.isWeb(h) || Grpc.isWebText(h));
        long grpcTimeout = grpcCall ? Grpc.timeoutNanos(h) : -1;
        if (grpcTimeout >= 0) {
            deadline.cap(startNanos + grpcTimeout); // the caller's own deadline bounds checks, tries and waits
            down.deadline(deadline.at());
        }
        call.target(path, target.query());
        call.routed(m);
        upstreamHost = host;
        new PolicyRun(route.policies, call, down.loop(), this, route.id()).run(0);
    }

    /** The methods a route that names none is asked with, CONNECT aside. */
    private static final java.util.List<String> ANY_BUT_CONNECT =
            java.util.List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");

    /** What a route with these methods (none: any) can be asked instead of {@code refused}; never CONNECT. */
    private static java.util.Set<String> allowedBut(java.util.List<String> methods, String refused) {
        java.util.Set<String> allowed = new java.util.HashSet<>(methods.isEmpty() ? ANY_BUT_CONNECT : methods);
        allowed.remove("CONNECT");
        allowed.remove(refused);
        if (allowed.contains("GET")) allowed.add("HEAD");
        return allowed;
    }

    /**
     * The route for this request. A CORS preflight is routed as the request it announces, so that
     * route's {@link CorsPreflightPolicy} answers it; HEAD falls back to GET (GET without the body).
     */
    private RouteMatch<ProxyRoute> route(String host, String p, HttpHeaders h) {
        if (CorsPreflightPolicy.isPreflight(request.method(), h)) {
            RouteMatch<ProxyRoute> real = snapshot.router().find(host, h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD), p, h);
            if (real.kind() == RouteMatch.Kind.FOUND && real.route().spec.policies().cors() != null) return real;
        }
        RouteMatch<ProxyRoute> m = snapshot.router().find(host, request.method().name(), p, h);
        if (HttpMethod.HEAD.equals(request.method()) && m.kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED
                && m.allowed().contains("GET")) {
            m = snapshot.router().find(host, "GET", p, h);
        }
        return m;
    }

    // ---- the policy chain (PolicyRun.Steps) -------------------------------------------------------

    @Override
    public void suspended() {
        phase = Phase.CHECKING;
        down.deadline(deadline.startAt(startNanos)); // the route's timeout covers its checks too
    }

    @Override
    public boolean ended() { return phase == Phase.DONE; }

    @Override
    public void broke(Problems.Kind kind, String detail) { fail(kind, detail); }

    /** A step answered: with a problem, or with a response of its own (a CORS preflight). */
    @Override
    public void answered(Verdict v) {
        if (v instanceof Verdict.Answer a) {
            fail(a.kind(), a.detail());
        } else {
            reply(null, LocalReplies.of((Verdict.Reply) v, requestId));
        }
    }

    /** Every step passed: on to the terminal step, proxy or aggregate. */
    @Override
    public void passed() {
        HttpHeaders h = request.headers();
        String expect = h.get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                fail(Problems.Kind.EXPECTATION_FAILED, "only 100-continue is supported");
                return;
            }
            expectContinue = true;
        }
        trace = new AttemptTrace(h.get(ProxyHeaders.TRACEPARENT), startNanos, context.tracing());
        if (route.aggregation != null) {
            phase = Phase.FORWARDING;
            forwardingHeaders(request.uri(), ""); // the calls carry what a proxied request would
            upstreamStartNanos = now();
            aggregate = new AggregateDispatch(this, call, down, route);
            aggregate.start(snapshot, route, h, trace);
            return;
        }
        String upstreamPath = call.upstreamPathOverride() != null ? call.upstreamPathOverride()
                : route.rewriter.rewrite(path, match);
        String query = call.query();
        forwardingHeaders(query == null ? upstreamPath : upstreamPath + "?" + query,
                route.service.nodes().isEmpty() ? "" : route.service.nodes().get(0).hostHeader());
        if (webSocket) WebSocketTunnel.forwardHandshake(h);
        if (route.spec.grpcWeb() && (Grpc.isWeb(h) || Grpc.isWebText(h))) grpcWebType = Grpc.fromWeb(h);
        String m = request.method().name();
        if (body.edited() && (body.present() || m.equals("POST") || m.equals("PUT") || m.equals("PATCH"))) {
            phase = Phase.COLLECTING;
            down.deadline(deadline.startAt(startNanos)); // collecting the body counts too
            if (expectContinue && !body.complete()) down.sendContinue(); // the body is needed before any node is asked
            expectContinue = false;
            if (body.complete()) {
                bodyComplete();
            } else {
                down.readMore();
            }
            return;
        }
        send();
    }

    /** Forwarding, trace and identity headers for the upstream; {@code nodeHost} replaces Host when not empty. */
    private void forwardingHeaders(String uri, String nodeHost) {
        Forwarding.toUpstream(request, uri, upstreamHost, down.clientIp(), call.trustedPeer(), body.chunked(),
                requestId, nodeHost, trace.header(), down.secure(), down.clientCertificate());
        if (call.consumer() != null) {
            HttpHeaders h = request.headers();
            h.set(ProxyHeaders.X_CONSUMER_ID, call.consumer().id());
            h.set(ProxyHeaders.X_CONSUMER_GROUPS, call.consumer().groupsHeader());
        }
    }

    /** The held request body is all here: edit it and send the request on. */
    private void bodyComplete() {
        phase = Phase.FORWARDING;
        try {
            body.applyEdit(request.headers(), call);
        } catch (IllegalArgumentException e) {
            fail(Problems.Kind.MALFORMED, e.getMessage());
            return;
        }
        send();
    }

    private void send() {
        phase = Phase.FORWARDING;
        proxy = new ProxyDispatch(this, call, request, body, down, route, trace, expectContinue);
        upstream = proxy.upstream();
        proxy.start();
    }

    // ---- the request body -------------------------------------------------------------------------

    void onRequestContent(HttpContent content) {
        if (phase == Phase.DONE) {
            content.release();
            return;
        }
        body.arrived(content, upstream);
        if (phase == Phase.COLLECTING && body.complete()) bodyComplete();
    }

    /** A client read ended: the upstream gets what was written, and a slow body starts being watched. */
    void readEnded() {
        if (upstream != null) upstream.flush();
        if (phase != Phase.DONE) body.readEnded(startNanos);
    }

    /**
     * The body broke a rule (unparsable, too large, too slow; {@link RequestBody} says which): the
     * client gets the problem, or, once the response reached it, both sides are cut off.
     */
    void bodyFailed(Problems.Kind kind, String detail) {
        down.poisoned();
        if (phase == Phase.RESPONDING && !proxy.holding()) {
            abortBoth();
        } else {
            fail(kind, detail);
        }
    }

    // ---- the service's side (from ProxyDispatch) -----------------------------------------------------

    long deadline() { return deadline.at(); }

    /** A connection was lent for a try: the request's deadline starts with the first, if not before. */
    void upstreamStarted(long now) {
        if (upstreamStartNanos < 0) upstreamStartNanos = now;
        deadline.startAt(now);
    }

    /** The service's response began (its head reached the relay). */
    void responding(int code) {
        phase = Phase.RESPONDING;
        status = code;
    }

    boolean responding() { return phase == Phase.RESPONDING; }

    /** A {@code grpc-status} was seen in the answer's head or trailers. */
    void grpcStatus(String status) {
        if (status != null) grpcStatus = status;
    }

    /** A WebSocket handshake waits for the node's answer: the client's next bytes are frames. */
    boolean switching() { return webSocket && phase != Phase.DONE; }

    /**
     * The node answered 101. A WebSocket handshake on a {@code websocket: true} route ends here, as
     * a 101 exchange, and its connections go on as a {@link WebSocketTunnel}; anything else is
     * refused (false: the caller answers 502).
     */
    boolean switchProtocols(HttpResponse res) {
        if (!webSocket || phase == Phase.DONE
                || !WebSocketTunnel.accept(res, request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
            return false;
        }
        responding(res.status().code());
        Forwarding.appendVia(res.headers());
        res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
        call.addResponseHeaders(res.headers());
        Channel node = upstream.takeOver();
        finish(false);
        WebSocketTunnel.open(down, node, res, snapshot.config().server().limits().websocketIdleTimeout());
        return true;
    }

    /** The relay is about to send the response's last bytes: the exchange ends first. */
    void responseEnded() {
        finish(false);
        if (upstream != null) upstream.release();
    }

    /** The client drained what it was sent. */
    void clientWritable() {
        if (phase != Phase.DONE && proxy != null) proxy.clientWritable();
    }

    // ---- deadlines and the end ----------------------------------------------------------------------

    /** The client connection went away: stop the upstream request too. */
    void clientGone() {
        if (phase == Phase.DONE) return;
        outcome = "client-aborted";
        endNode(Outcome.CANCELLED);
        finish(true);
        dropUpstream();
    }

    /** The downstream's timer fired at this exchange's deadline: time out, or look again later. */
    void deadlinePassed() {
        if (phase == Phase.DONE) return;
        long now = now();
        if (phase == Phase.COLLECTING || phase == Phase.CHECKING) {
            if (!deadline.passed(now)) {
                down.deadline(deadline.at());
            } else if (phase == Phase.COLLECTING) {
                fail(Problems.Kind.BODY_TIMEOUT, "the request body was not complete within the route's timeout of "
                        + deadline.timeoutMillis() + " ms");
            } else {
                fail(Problems.Kind.CHECK_UNAVAILABLE, "a check this route needs did not complete in time");
            }
            return;
        }
        if (upstream != null) upstream.timerFired(now); // else an aggregation, on timers of its own
    }

    private void abortBoth() {
        endNode(Outcome.CANCELLED); // the client's fault (body too large, garbage), not the node's
        cutOff();
    }

    /** The response began and cannot be finished: the client is cut off. */
    void cutOff() {
        outcome = "upstream-aborted";
        finish(true);
        dropUpstream();
        down.reset();
    }

    private void dropUpstream() {
        if (upstream != null) upstream.drop();
    }

    /** Answers with a problem (the response has not started) and ends the exchange. */
    void fail(Problems.Kind kind, String detail) {
        failure = detail;
        reply(kind, LocalReplies.problem(down.alloc(), kind, detail, requestId));
    }

    /** Ends the exchange with an answer the gateway made; {@code kind} null for one it owes (not a refusal). */
    void reply(Problems.Kind kind, FullHttpResponse res) {
        if (phase == Phase.DONE) {
            res.release();
            return;
        }
        endNode(Outcome.CANCELLED); // the gateway answers this one: nothing to hold against the node
        status = res.status().code();
        rejection = kind;
        call.addResponseHeaders(res.headers());
        outcome = kind == null ? "ok" : "rejected";
        String grpcType = grpcWebType != null ? grpcWebType
                : route != null && route.spec.grpcWeb() && (Grpc.isWeb(request.headers()) || Grpc.isWebText(request.headers()))
                        ? request.headers().get("content-type")
                : Grpc.isGrpc(request.headers()) ? "application/grpc" : null;
        if (grpcType != null) {
            // A gRPC caller gets the error in gRPC's terms; the log and metrics keep the HTTP status above.
            res = Grpc.reply(res, kind, failure, grpcType);
            grpcStatus(res.headers().get(Grpc.STATUS));
        }
        replyBytes = res.content().readableBytes();
        finish(false); // first: closing the upstream below fails its pending writes, which must find us done
        dropUpstream();
        down.reply(res);
    }

    private void finish(boolean failed) {
        if (phase == Phase.DONE) return;
        phase = Phase.DONE;
        endNanos = now();
        if (upstream != null) {
            upstream.endSpan(outcome.equals("ok") ? "ok"
                    : rejection == Problems.Kind.GATEWAY_TIMEOUT ? "timeout" : "failed", endNanos);
        }
        body.release();
        if (proxy != null) proxy.release();
        if (aggregate != null) aggregate.cancel();
        endNode(status >= 500 ? Outcome.SERVER_ERROR : Outcome.SUCCESS); // no-op unless a response came
        if (upstream != null) upstream.finish();
        context.requestEnded();
        try {
            context.observer().onEnd(this);
        } catch (RuntimeException e) {
            // Observing must never break serving; a broken observer is a bug to see in the log.
            org.slf4j.LoggerFactory.getLogger(Exchange.class).warn("exchange observer failed", e);
        }
    }

    /** Closes the node's books for the try under way, once: its stats, its health, the service's breaker. */
    private void endNode(Outcome how) {
        if (upstream != null) upstream.account(how);
    }

    // ---- ExchangeView: what the observers see -------------------------------------------------------

    @Override public String requestId() { return requestId; }
    @Override public long startEpochMillis() { return startMillis; }
    @Override public String clientIp() { return call.clientIp(); }
    @Override public String consumerId() { return call.consumer() == null ? null : call.consumer().id(); }
    @Override public String authDecision() { return call.authDecisionMade(); }
    @Override public String profile() { return call.profile(); }
    @Override public String grpcStatus() { return grpcStatus; }

    /** The grpc-web caller's content type when the call was translated to gRPC, else null. */
    String grpcWebType() { return grpcWebType; }
    @Override public <T> T attr(io.turnpike.core.AttrKey<T> key) { return call.attr(key); }
    @Override public String method() { return request.method().name(); }
    @Override public String path() { return path != null ? path : request.uri(); }
    @Override public String routeId() { return route == null ? null : route.id(); }
    @Override public String serviceId() { return route == null || route.service == null ? null : route.service.id(); }
    @Override public String nodeKey() { return upstream == null ? null : upstream.nodeKey(); }
    @Override public int status() { return status; }
    @Override public long bytesIn() { return body.bytes(); }
    @Override public long bytesOut() { return replyBytes >= 0 ? replyBytes : proxy == null ? 0 : proxy.relayed(); }
    @Override public long totalNanos() { return (phase == Phase.DONE ? endNanos : now()) - startNanos; }
    @Override public long upstreamNanos() {
        return upstreamStartNanos < 0 ? -1 : (phase == Phase.DONE ? endNanos : now()) - upstreamStartNanos;
    }
    @Override public int retries() { return upstream == null ? 0 : upstream.retries(); }
    @Override public Problems.Kind rejection() { return rejection; }
    @Override public String outcome() { return outcome; }
    @Override public String traceId() { return trace == null ? null : trace.context.traceId; }
    @Override public String parentSpanId() { return trace == null ? null : trace.context.parentSpanId; }
    @Override public String spanId() { return trace == null ? null : trace.context.spanId; }
    @Override public boolean sampled() { return trace != null && trace.context.sampled(); }
    @Override public List<ExchangeView.Attempt> attempts() { return trace == null ? List.of() : trace.attempts(); }
}
