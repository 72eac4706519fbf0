package io.turnpike.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.turnpike.config.TrustedProxies;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import io.turnpike.policy.CorsPreflightPolicy;
import io.turnpike.route.RequestPath;
import io.turnpike.route.RouteMatch;
import io.turnpike.server.http1.UnsupportedTransferCodingException;
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
    private final ResponseRelay relay;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private long upstreamStartNanos = -1;
    private long endNanos;
    private Phase phase = Phase.RECEIVED;
    private int status;
    private long replyBytes = -1; // the length of an answer the gateway made; else the relay counts
    private String path;
    private String upstreamHost;
    private Problems.Kind rejection;
    private String outcome = "ok";
    private RouteMatch<ProxyRoute> match;
    private ProxyRoute route;
    private long requestDeadline = Long.MAX_VALUE;
    private boolean expectContinue;
    private AttemptTrace trace;
    private ProxyDispatch proxy; // a proxied route's request on its way: tries, nodes, connection
    private UpstreamRequest upstream; // proxy's, kept at hand
    private AggregateDispatch aggregate;

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
        this.requestId = RequestIds.keepOrMake(request.headers().get(ProxyHeaders.X_REQUEST_ID));
        this.body = new RequestBody(this, down, request, snapshot.config().server().limits());
        this.call = new RequestCall(request, requestId, down, body, startNanos, snapshot.config().server().trustedProxies());
        this.relay = new ResponseRelay(this, call, down, HttpMethod.HEAD.equals(request.method()));
    }

    boolean done() { return phase == Phase.DONE; }

    boolean requestComplete() { return body.complete(); }

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
            rejectMalformed(dr.cause());
            return;
        }
        RequestPath target = RequestPath.parse(request.uri());
        path = target.isValid() ? target.path() : request.uri();
        if (!target.isValid()) {
            fail(Problems.Kind.MALFORMED, target.rejection());
            return;
        }
        String host = Forwarding.host(h);
        if (host == null) {
            fail(Problems.Kind.MALFORMED, "a request may carry one Host header, not several");
            return;
        }
        if (target.authority() != null) {
            // absolute-form: the target's authority replaces Host, for routing and for the service (RFC 9112 3.2.2)
            host = target.authority();
            h.set(HttpHeaderNames.HOST, host);
        }
        if (host.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            fail(Problems.Kind.MALFORMED, "an HTTP/1.1 request needs exactly one Host header");
            return;
        }
        if (!host.isEmpty() && !Forwarding.validAuthority(host)) {
            fail(Problems.Kind.MALFORMED, "Host is not a valid authority (host or [IPv6], with an optional :port)");
            return;
        }
        // Before anything reads the head: hop-by-hop headers go (never the framing or Host), so do
        // X-Consumer-* and, from an untrusted peer, the forwarding headers.
        TrustedProxies tp = snapshot.config().server().trustedProxies();
        call.peer(!tp.isEmpty() && tp.trusts(down.clientAddress()));
        ProxyHeaders.stripRequest(h, !call.trustedPeer());
        RouteMatch<ProxyRoute> m = route(host, target.path(), h);
        if (m.kind() == RouteMatch.Kind.NOT_FOUND) {
            fail(Problems.Kind.NOT_FOUND, "no route for " + request.method() + " " + target.path());
            return;
        }
        if (m.kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED) {
            FullHttpResponse res = problem(Problems.Kind.METHOD_NOT_ALLOWED, request.method() + " is not allowed here");
            res.headers().set(HttpHeaderNames.ALLOW, String.join(", ", new java.util.TreeSet<>(m.allowed())));
            reply(Problems.Kind.METHOD_NOT_ALLOWED, res);
            return;
        }
        route = m.route();
        match = m;
        call.target(path, target.query());
        call.routed(m);
        upstreamHost = host;
        new PolicyRun(route.policies, call, down.loop(), this, route.id()).run(0);
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
        if (requestDeadline == Long.MAX_VALUE && route.requestTimeoutNanos > 0) {
            requestDeadline = startNanos + route.requestTimeoutNanos; // the route's timeout covers its checks too
            down.deadline(requestDeadline);
        }
    }

    @Override
    public boolean ended() { return phase == Phase.DONE; }

    @Override
    public void broke(Problems.Kind kind, String detail) { fail(kind, detail); }

    /** A step answered: with a problem, or with a response of its own (a CORS preflight). */
    @Override
    public void answered(Verdict v) {
        if (v instanceof Verdict.Answer a) {
            reply(a.kind(), problem(a.kind(), a.detail()));
            return;
        }
        Verdict.Reply r = (Verdict.Reply) v;
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                r.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        res.headers().set(r.headers());
        if (r.body() != null) res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
        reply(null, res);
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
            upstreamStartNanos = System.nanoTime();
            aggregate = new AggregateDispatch(this, call, down, route);
            aggregate.start(snapshot, route, h, trace);
            return;
        }
        String upstreamPath = call.upstreamPathOverride() != null ? call.upstreamPathOverride()
                : route.rewriter.rewrite(path, match);
        String query = call.query();
        forwardingHeaders(query == null ? upstreamPath : upstreamPath + "?" + query,
                route.service.nodes().isEmpty() ? "" : route.service.nodes().get(0).hostHeader());
        String m = request.method().name();
        if (body.edited() && (body.present() || m.equals("POST") || m.equals("PUT") || m.equals("PATCH"))) {
            phase = Phase.COLLECTING;
            if (requestDeadline == Long.MAX_VALUE && route.requestTimeoutNanos > 0) {
                requestDeadline = startNanos + route.requestTimeoutNanos; // collecting the body counts too
            }
            down.deadline(requestDeadline);
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
                requestId, nodeHost, trace.header());
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

    void malformedBody(Throwable cause) {
        if (phase == Phase.RESPONDING) {
            abortBoth();
        } else {
            rejectMalformed(cause);
        }
    }

    void bodyRefused(String detail) {
        if (phase == Phase.RESPONDING) {
            abortBoth();
        } else {
            fail(Problems.Kind.BODY_TOO_LARGE, detail);
        }
    }

    void bodyTooSlow(String detail) {
        if (phase == Phase.RESPONDING && !relay.holding()) {
            abortBoth();
        } else {
            fail(Problems.Kind.BODY_TIMEOUT, detail);
        }
    }

    /** A request the decoder could not parse: 414 or 431 for what was too long, 501 for a transfer coding, else 400. */
    private void rejectMalformed(Throwable cause) {
        Problems.Kind kind = cause instanceof TooLongHttpLineException ? Problems.Kind.URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? Problems.Kind.HEADERS_TOO_LARGE
                : cause instanceof UnsupportedTransferCodingException ? Problems.Kind.TRANSFER_CODING_NOT_IMPLEMENTED
                : Problems.Kind.MALFORMED;
        down.poisoned();
        fail(kind, cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
    }

    // ---- the service's side (from ProxyDispatch) -----------------------------------------------------

    long deadline() { return requestDeadline; }

    /** A connection was lent for a try: the request's deadline is set by the first and bounds all of them. */
    void upstreamStarted(long now) {
        if (upstreamStartNanos < 0) upstreamStartNanos = now;
        if (requestDeadline == Long.MAX_VALUE) {
            long t = route.requestTimeoutNanos;
            requestDeadline = t > 0 ? now + t : Long.MAX_VALUE;
        }
    }

    void responseHead(HttpResponse res) {
        phase = Phase.RESPONDING;
        status = res.status().code();
        relay.head(res, route);
    }

    void responseContent(HttpContent c) {
        if (!relay.content(c) && phase == Phase.RESPONDING) {
            upstream.readResponse(false); // the client is slower: let the node wait
        }
    }

    /** The relay is about to send the response's last bytes: the exchange ends first. */
    void responseEnded() {
        finish(false);
        if (upstream != null) upstream.release();
    }

    /** The client drained what it was sent: read the node's response again. */
    void clientWritable() {
        if (phase != Phase.DONE && upstream != null) upstream.readResponse(true);
    }

    /** No try at the service is left: answer the client, or cut it off when its response began. */
    void upstreamFailed(UpstreamCaller.Failure failure, String detail) {
        switch (failure) {
            case NO_NODE -> fail(Problems.Kind.NO_NODE, detail);
            case CONNECT_TIMEOUT -> fail(Problems.Kind.GATEWAY_TIMEOUT, detail);
            case CONNECT_FAILED -> fail(Problems.Kind.BAD_GATEWAY, detail);
            case RESET, TIMEOUT -> {
                if (phase == Phase.RESPONDING && !relay.holding()) {
                    abortClientOnly();
                } else {
                    fail(failure == UpstreamCaller.Failure.RESET ? Problems.Kind.BAD_GATEWAY
                            : Problems.Kind.GATEWAY_TIMEOUT, detail);
                }
            }
        }
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
        long now = System.nanoTime();
        if (phase == Phase.COLLECTING || phase == Phase.CHECKING) {
            if (now - requestDeadline < 0) {
                down.deadline(requestDeadline);
            } else if (phase == Phase.COLLECTING) {
                fail(Problems.Kind.BODY_TIMEOUT, "the request body was not complete within the route's timeout of "
                        + route.requestTimeoutNanos / 1_000_000 + " ms");
            } else {
                fail(Problems.Kind.CHECK_UNAVAILABLE, "a check this route needs did not complete in time");
            }
            return;
        }
        if (upstream != null) upstream.timerFired(now); // else an aggregation, on timers of its own
    }

    private void abortBoth() {
        endNode(Outcome.CANCELLED); // the client's fault (body too large, garbage), not the node's
        abortClientOnly();
    }

    private void abortClientOnly() {
        outcome = "upstream-aborted";
        finish(true);
        dropUpstream();
        down.reset();
    }

    private void dropUpstream() {
        if (upstream != null) upstream.drop();
    }

    private FullHttpResponse problem(Problems.Kind kind, String detail) {
        return Problems.response(down.alloc(), HttpVersion.HTTP_1_1, kind, detail, requestId);
    }

    /** Answers with a problem (the response has not started) and ends the exchange. */
    void fail(Problems.Kind kind, String detail) {
        reply(kind, problem(kind, detail));
    }

    /** Ends the exchange with an answer the gateway made; {@code kind} null for one it owes (not a refusal). */
    void reply(Problems.Kind kind, FullHttpResponse res) {
        if (phase == Phase.DONE) {
            res.release();
            return;
        }
        endNode(Outcome.CANCELLED); // the gateway answers this one: nothing to hold against the node
        status = res.status().code();
        replyBytes = res.content().readableBytes();
        rejection = kind;
        call.addResponseHeaders(res.headers());
        outcome = kind == null ? "ok" : "rejected";
        finish(false); // first: closing the upstream below fails its pending writes, which must find us done
        dropUpstream();
        down.reply(res);
    }

    private void finish(boolean failed) {
        if (phase == Phase.DONE) return;
        phase = Phase.DONE;
        endNanos = System.nanoTime();
        if (upstream != null) {
            upstream.endSpan(outcome.equals("ok") ? "ok"
                    : rejection == Problems.Kind.GATEWAY_TIMEOUT ? "timeout" : "failed", endNanos);
        }
        body.release();
        relay.release();
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
    @Override public long quotaReservedUnits() { return call.quotaUnits(); }
    @Override public long quotaReservedPeriod() { return call.quotaPeriod(); }
    @Override public String method() { return request.method().name(); }
    @Override public String path() { return path != null ? path : request.uri(); }
    @Override public String routeId() { return route == null ? null : route.id(); }
    @Override public String serviceId() { return route == null || route.service == null ? null : route.service.id(); }
    @Override public String nodeKey() { return upstream == null ? null : upstream.nodeKey(); }
    @Override public int status() { return status; }
    @Override public long bytesIn() { return body.bytes(); }
    @Override public long bytesOut() { return replyBytes >= 0 ? replyBytes : relay.bytes(); }
    @Override public long totalNanos() { return (phase == Phase.DONE ? endNanos : System.nanoTime()) - startNanos; }
    @Override public long upstreamNanos() {
        return upstreamStartNanos < 0 ? -1 : (phase == Phase.DONE ? endNanos : System.nanoTime()) - upstreamStartNanos;
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
