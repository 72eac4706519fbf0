package io.turnpike.proxy;

import io.turnpike.core.Problems;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;
import io.turnpike.core.Policy;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.turnpike.route.RequestPath;
import io.turnpike.route.RouteMatch;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.Cors;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.Node;

/**
 * One request and its response, from the request head to the last byte of the answer. Confined to
 * the client connection's event loop. It owns the request body chunks it has not yet written
 * upstream, and releases them on every failure path.
 */
final class Exchange implements ExchangeView, PolicyCall, UpstreamCaller {
    /** Body bytes held while the upstream connection is being made; reading pauses past this. */
    private static final int MAX_PENDING_BYTES = 64 * 1024;

    private final ClientHandler client;
    private final ChannelHandlerContext cctx;
    private final ProxyContext context;
    private final Snapshot snapshot;
    private final HttpRequest request;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private long upstreamStartNanos = -1;
    private long endNanos;
    private int status;
    private long bytesOut;
    private String path;
    private Problems.Kind rejection;
    private String outcome = "ok";
    private AttemptTrace trace;
    private io.turnpike.core.Consumer consumer;
    private java.util.Map<String, Object> claims = java.util.Map.of();
    private String authDecision;
    private io.turnpike.config.TrustedProxies.Client forwardedClient;
    private boolean clientResolved;
    private HttpHeaders responseHeaders; // set by policies, added to what the client gets
    private RouteMatch<ProxyRoute> match;
    private String query;
    private String upstreamHost;
    private long quotaUnits; // held by a quota check; the meter settles them when the exchange ends
    private long quotaPeriod;
    private Phase phase = Phase.RECEIVED;

    private String requestId;
    private HttpVersion clientVersion;
    private boolean head;
    private boolean clientKeepAlive;
    private boolean expectContinue;
    private boolean requestHasBody;
    private boolean requestChunked;
    private boolean trustedPeer;
    private long maxBodyBytes;
    private ProxyRoute route;
    private HttpRequest upstreamRequest;

    private UpstreamRequest upstream; // made when the request is sent on: its tries, nodes and connection

    private PendingBody pendingBody; // made when a body arrives before a connection can take it
    private long bodyBytes;
    private boolean requestComplete;

    private boolean responseChunkedToClient;
    private boolean closeClientAfter;

    private long requestDeadline = Long.MAX_VALUE;
    private io.netty.util.concurrent.ScheduledFuture<?> bodyRateTimer;
    private long bodyRateClock; // time the client has had to send the body while the gateway was reading it
    private long bodyRateTick;

    // compose: client profile, request path override, a response body held for reshaping, an aggregation
    private String profile;
    private String upstreamPathOverride;
    private HeldResponse held; // a response a transform reshapes, until its body is all here
    private io.turnpike.compose.AggregateRun aggregateRun;
    private PolicyCall.BodyEdit bodyEdit; // set: the request body is held whole, edited, then sent

    /** Where the exchange is: each phase follows the one before it, and any may end in {@code DONE}. */
    private enum Phase {
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

    Exchange(ClientHandler client, HttpRequest request) {
        this.client = client;
        this.cctx = client.ctx();
        this.context = client.context();
        this.snapshot = context.snapshot();
        this.request = request;
    }

    @Override
    public boolean requestComplete() {
        return requestComplete;
    }

    /**
     * True while more of the request body can be taken: the upstream connection can take it, or,
     * while that connection is still being made, little is queued yet.
     */
    boolean wantsRequestBytes() {
        if (requestComplete || phase == Phase.DONE) return false;
        Channel ch = upstreamChannel();
        return ch != null ? ch.isWritable() : phase == Phase.COLLECTING || pendingBody == null
                || pendingBody.bytes() < MAX_PENDING_BYTES;
    }

    private Channel upstreamChannel() {
        return upstream == null ? null : upstream.channel();
    }

    // ---- request head -------------------------------------------------------------------------

    void start() {
        context.requestStarted();
        HttpHeaders h = request.headers();
        requestId = RequestIds.keepOrMake(h.get(ProxyHeaders.X_REQUEST_ID));
        DecoderResult dr = request.decoderResult();
        if (dr.isFailure()) {
            rejectMalformed(dr.cause());
            return;
        }
        clientVersion = request.protocolVersion();
        head = HttpMethod.HEAD.equals(request.method());
        clientKeepAlive = HttpUtil.isKeepAlive(request);
        requestChunked = HttpUtil.isTransferEncodingChunked(request); // what the decoder framed the body by
        requestHasBody = requestChunked || HttpUtil.getContentLength(request, 0L) > 0;
        if (request instanceof LastHttpContent) {
            requestComplete = true; // the decoder's stand-in for a message it could not parse
        }
        maxBodyBytes = snapshot.config().server().limits().maxBodyBytes();

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
        if (host.isEmpty() && clientVersion.equals(HttpVersion.HTTP_1_1)) {
            fail(Problems.Kind.MALFORMED, "an HTTP/1.1 request needs exactly one Host header");
            return;
        }
        if (!host.isEmpty() && !Forwarding.validAuthority(host)) {
            fail(Problems.Kind.MALFORMED, "Host is not a valid authority (host or [IPv6], with an optional :port)");
            return;
        }
        // Before anything reads the head: hop-by-hop headers go (never the framing or Host), so do
        // X-Consumer-* and, from an untrusted peer, the forwarding headers.
        io.turnpike.config.TrustedProxies tp = snapshot.config().server().trustedProxies();
        trustedPeer = !tp.isEmpty() && tp.trusts(client.clientAddress());
        if (trustedPeer) forwardedClient(); // resolved from X-Forwarded-For as the client sent it
        ProxyHeaders.stripRequest(h, !trustedPeer);
        if (HttpMethod.OPTIONS.equals(request.method()) && h.contains(HttpHeaderNames.ORIGIN)
                && h.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            // A CORS preflight is answered for the route the real request would take.
            RouteMatch<ProxyRoute> real = snapshot.router().find(host,
                    h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD), target.path(), h);
            if (real.kind() == RouteMatch.Kind.FOUND && real.route().spec.policies().cors() != null) {
                route = real.route();
                answerPreflight(real.route().spec.policies().cors(), h.get(HttpHeaderNames.ORIGIN));
                return;
            }
        }
        RouteMatch<ProxyRoute> m = snapshot.router().find(host, request.method().name(), target.path(), h);
        if (head && m.kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED && m.allowed().contains("GET")) {
            m = snapshot.router().find(host, "GET", target.path(), h); // HEAD is GET without the body
        }
        if (m.kind() == RouteMatch.Kind.NOT_FOUND) {
            fail(Problems.Kind.NOT_FOUND, "no route for " + request.method() + " " + target.path());
            return;
        }
        if (m.kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED) {
            FullHttpResponse res = problem(Problems.Kind.METHOD_NOT_ALLOWED,
                    request.method() + " is not allowed here");
            res.headers().set(HttpHeaderNames.ALLOW, String.join(", ", new java.util.TreeSet<>(m.allowed())));
            finishWithProblem(Problems.Kind.METHOD_NOT_ALLOWED, res);
            return;
        }
        route = m.route();
        match = m;
        query = target.query();
        upstreamHost = host;
        runPolicies(0);
    }

    // ---- the policy chain -----------------------------------------------------------------------

    /** Runs the route's policies from step {@code from}; a step that decides later suspends the chain. */
    private void runPolicies(int from) {
        Policy[] chain = route.policies;
        for (int i = from; i < chain.length; i++) {
            Verdict v = chain[i].check(this);
            if (v == Verdict.PASS) continue;
            if (v instanceof Verdict.Answer a) {
                answer(a);
                return;
            }
            int step = i;
            phase = Phase.CHECKING;
            if (requestDeadline == Long.MAX_VALUE && route.requestTimeoutNanos > 0) {
                requestDeadline = startNanos + route.requestTimeoutNanos; // the route's timeout covers its checks too
                client.deadline(requestDeadline);
            }
            ((Verdict.Later) v).result().whenComplete((r, e) -> {
                if (cctx.executor().inEventLoop()) {
                    resume(step, r, e);
                } else {
                    cctx.executor().execute(() -> resume(step, r, e));
                }
            });
            return;
        }
        dispatch();
    }

    private void resume(int step, Verdict v, Throwable failure) {
        if (phase == Phase.DONE) return; // the client left, or the deadline passed, while the step was deciding
        phase = Phase.RECEIVED;
        if (failure != null || v == null) {
            org.slf4j.LoggerFactory.getLogger(Exchange.class).warn("policy step {} of route {} failed",
                    route.policies[step].getClass().getSimpleName(), route.id(), failure);
            fail(Problems.Kind.CHECK_UNAVAILABLE, "the gateway could not complete a check this route needs");
        } else if (v == Verdict.PASS) {
            runPolicies(step + 1);
        } else if (v instanceof Verdict.Answer a) {
            answer(a);
        } else {
            phase = Phase.CHECKING;
            Verdict.Later later = (Verdict.Later) v;
            later.result().whenComplete((r, e) -> cctx.executor().execute(() -> resume(step, r, e)));
        }
    }

    private void answer(Verdict.Answer a) {
        finishWithProblem(a.kind(), problem(a.kind(), a.detail()));
    }

    /** The policies let the request through: send it on. */
    private void dispatch() {
        HttpHeaders h = request.headers();
        String expect = h.get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                fail(Problems.Kind.EXPECTATION_FAILED, "only 100-continue is supported");
                return;
            }
            expectContinue = clientVersion.equals(HttpVersion.HTTP_1_1);
        }
        String upstreamPath = upstreamPathOverride != null ? upstreamPathOverride : route.rewriter.rewrite(path, match);
        String uri = query == null ? upstreamPath : upstreamPath + "?" + query;
        trace = new AttemptTrace(h.get(ProxyHeaders.TRACEPARENT), startNanos, context.tracing());
        if (route.aggregation != null) {
            aggregate();
            return;
        }
        forwardingHeaders(uri, route.service.nodes().isEmpty() ? "" : route.service.nodes().get(0).hostHeader());
        upstreamRequest = request;
        String m = request.method().name();
        if (bodyEdit != null && (requestHasBody || m.equals("POST") || m.equals("PUT") || m.equals("PATCH"))) {
            phase = Phase.COLLECTING;
            if (requestDeadline == Long.MAX_VALUE && route.requestTimeoutNanos > 0) {
                requestDeadline = startNanos + route.requestTimeoutNanos; // collecting the body counts too
            }
            client.deadline(requestDeadline);
            boolean sendContinue = expectContinue && !requestComplete;
            expectContinue = false;
            if (sendContinue) {
                client.codec().nextResponseForHead(false); // the body is needed before any node is asked
                cctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        io.netty.buffer.Unpooled.EMPTY_BUFFER));
            }
            if (requestComplete) {
                bodyComplete();
            } else {
                client.updateReading();
            }
            return;
        }
        attempt();
    }

    /** Forwarding, trace and identity headers for the upstream; {@code nodeHost} replaces Host when not empty. */
    private void forwardingHeaders(String uri, String nodeHost) {
        Forwarding.toUpstream(request, uri, upstreamHost, client.clientIp(), trustedPeer, requestChunked, requestId,
                nodeHost, trace.header(), client.tls(), client.clientCertificate());
        if (consumer != null) {
            HttpHeaders h = request.headers();
            h.set(ProxyHeaders.X_CONSUMER_ID, consumer.id());
            h.set(ProxyHeaders.X_CONSUMER_GROUPS, consumer.groupsHeader());
        }
    }

    /** The version of the gateway's own answers: HTTP/1.0 to a 1.0 client, else 1.1. */
    private HttpVersion answerVersion() {
        return HttpVersion.HTTP_1_0.equals(clientVersion) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    }

    /** The held request body is all here: edit it and send the request on. */
    private void bodyComplete() {
        phase = Phase.FORWARDING;
        if (editHeldBody()) attempt();
    }

    // ---- PolicyCall ----------------------------------------------------------------------------

    @Override public HttpHeaders headers() { return request.headers(); }
    @Override public String query() { return query; }
    @Override public void query(String query) { this.query = query; }
    @Override public byte[] clientAddress() {
        io.turnpike.config.TrustedProxies.Client c = forwardedClient();
        return c == null ? client.clientAddress() : c.address();
    }

    /** The client behind a trusted proxy (X-Forwarded-For), resolved once; null = the peer itself. */
    private io.turnpike.config.TrustedProxies.Client forwardedClient() {
        if (!clientResolved) {
            clientResolved = true;
            io.turnpike.config.TrustedProxies tp = snapshot.config().server().trustedProxies();
            if (trustedPeer) {
                forwardedClient = tp.resolve(client.clientAddress(), request.headers().getAll(ProxyHeaders.X_FORWARDED_FOR));
            }
        }
        return forwardedClient;
    }
    @Override public RouteSpec route() { return route.spec; }
    @Override public long contentLength() { return HttpUtil.getContentLength(request, -1L); }
    @Override public void maxBodyBytes(long max) { maxBodyBytes = max; }
    @Override public io.turnpike.core.Consumer consumer() { return consumer; }
    @Override public void authenticated(io.turnpike.core.Consumer consumer, java.util.Map<String, Object> claims) {
        this.consumer = consumer;
        this.claims = claims;
    }
    @Override public java.util.Map<String, Object> claims() { return claims; }
    @Override public io.turnpike.core.ClientCertificate clientCertificate() { return client.clientCertificate(); }
    @Override public void quotaReserved(long periodStart, long units) {
        quotaPeriod = periodStart;
        quotaUnits = units;
    }
    @Override public long quotaReservedUnits() { return quotaUnits; }
    @Override public long quotaReservedPeriod() { return quotaPeriod; }
    @Override public void authDecision(String decision) { authDecision = decision; }
    @Override public HttpHeaders responseHeaders() {
        if (responseHeaders == null) responseHeaders = new io.netty.handler.codec.http.DefaultHttpHeaders(false);
        return responseHeaders;
    }
    @Override public io.netty.util.concurrent.EventExecutor executor() { return cctx.executor(); }
    @Override public long startNanos() { return startNanos; }
    @Override public String pathVariable(String name) { return match == null ? null : match.variable(name); }
    @Override public String profile() { return profile; }
    @Override public void profile(String name) { profile = name; }
    @Override public void upstreamPath(String p) { upstreamPathOverride = p; }
    @Override public void editBody(PolicyCall.BodyEdit edit) { bodyEdit = edit; }

    /** Replaces the held request body with its edited form; false when the exchange was answered instead. */
    private boolean editHeldBody() {
        if (pendingBody == null) pendingBody = new PendingBody();
        io.netty.buffer.CompositeByteBuf whole = pendingBody.takeWhole(cctx.alloc());
        byte[] edited;
        try {
            edited = bodyEdit.apply(whole, this);
        } catch (IllegalArgumentException e) {
            fail(Problems.Kind.MALFORMED, e.getMessage());
            return false;
        } finally {
            whole.release();
        }
        HttpHeaders h = request.headers();
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, edited.length);
        pendingBody.hold(edited);
        requestHasBody = true;
        return true;
    }

    // ---- aggregation ----------------------------------------------------------------------------

    /** An aggregate route: its calls go out through {@link SubCalls}; the merged JSON comes back here. */
    private void aggregate() {
        phase = Phase.FORWARDING;
        HttpHeaders h = request.headers();
        forwardingHeaders(request.uri(), ""); // the calls carry what a proxied request would
        upstreamStartNanos = System.nanoTime();
        io.netty.channel.EventLoop loop = cctx.channel().eventLoop();
        SubCalls calls = new SubCalls(snapshot.services(), context.pools().of(loop), loop, h, trace,
                client.clientIp());
        io.turnpike.compose.ResponseShaper shape = route.transforms == null ? null : route.transforms.response(profile);
        aggregateRun = io.turnpike.compose.AggregateRun.start(route.aggregation, this, calls, shape,
                new io.turnpike.compose.AggregateRun.Answer() {
                    @Override
                    public void json(byte[] body, java.util.List<String> missing) {
                        FullHttpResponse res = new DefaultFullHttpResponse(answerVersion(), HttpResponseStatus.OK,
                                io.netty.buffer.Unpooled.wrappedBuffer(body));
                        HttpHeaders oh = res.headers();
                        oh.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                        oh.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                        oh.set(ProxyHeaders.X_REQUEST_ID, requestId);
                        if (!missing.isEmpty()) oh.set("Turnpike-Partial", String.join(", ", missing));
                        if (shape != null) shape.applyHeaders(oh, Exchange.this);
                        finishWithProblem(null, res); // an answer the gateway makes: same path as a problem
                    }

                    @Override
                    public void problem(Problems.Kind kind, String detail) {
                        fail(kind, detail);
                    }
                });
    }

    /** The policies' response headers replace the same names on what the client gets. */
    private void addPolicyHeaders(HttpHeaders out) {
        if (responseHeaders == null) return;
        for (String name : responseHeaders.names()) {
            if (HttpHeaderNames.VARY.contentEqualsIgnoreCase(name)) {
                out.add(name, responseHeaders.getAll(name)); // Vary accumulates
            } else {
                out.set(name, responseHeaders.getAll(name));
            }
        }
    }

    /** A request the decoder could not parse: 414 or 431 for what was too long, 501 for a transfer coding, else 400. */
    private void rejectMalformed(Throwable cause) {
        Problems.Kind kind = cause instanceof TooLongHttpLineException ? Problems.Kind.URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? Problems.Kind.HEADERS_TOO_LARGE
                : cause instanceof io.turnpike.server.http1.UnsupportedTransferCodingException
                        ? Problems.Kind.TRANSFER_CODING_NOT_IMPLEMENTED
                : Problems.Kind.MALFORMED;
        closeClientAfter = true;
        fail(kind, cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
    }

    // ---- choosing a node and a connection ----------------------------------------------------

    /** Sends the request on to the route's service (the first time, or once its held body was edited). */
    private void attempt() {
        phase = Phase.FORWARDING;
        upstream = new UpstreamRequest(route.service, context.pools().of(cctx.channel().eventLoop()),
                cctx.channel().eventLoop(), this, trace, request.method().name(), route.spec.highPriority(),
                route.spec.retryNonIdempotent());
        upstream.start();
    }

    /** A CORS preflight: 204 with the route's rules for an allowed origin, 403 otherwise. */
    private void answerPreflight(Cors cors, String origin) {
        if (!cors.allowsOrigin(origin)) {
            fail(Problems.Kind.FORBIDDEN, "origin " + origin + " may not call this route");
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(
                answerVersion(),
                HttpResponseStatus.NO_CONTENT);
        io.turnpike.policy.CorsHeaders.onPreflight(res.headers(), cors, origin);
        res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
        finishWithProblem(null, res);
    }

    /** The service said no (breaker open, or overloaded): the route's fallback, or 503 with Retry-After. */
    @Override
    public void refused(Admission admission) {
        finishWithProblem(Refusals.kind(admission), Refusals.response(cctx.alloc(), answerVersion(), admission,
                route.spec.fallback(), route.service.id(), requestId));
    }

    @Override
    public HttpRequest head(Node node) {
        return upstreamRequest;
    }

    @Override
    public boolean bodiless() {
        return !requestHasBody;
    }

    @Override
    public long deadline() {
        return requestDeadline;
    }

    @Override
    public void timer(long nanos) {
        client.deadline(nanos);
    }

    /** The request's deadline is set by its first try and bounds all of them. */
    @Override
    public void connected(long now) {
        if (upstreamStartNanos < 0) upstreamStartNanos = now;
        if (requestDeadline == Long.MAX_VALUE) {
            long t = route.requestTimeoutNanos;
            requestDeadline = t > 0 ? now + t : Long.MAX_VALUE;
        }
    }

    @Override
    public void sendBody(Channel ch) {
        if (expectContinue && !requestComplete) {
            expectContinue = false;
            client.codec().nextResponseForHead(false);
            cctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    io.netty.buffer.Unpooled.EMPTY_BUFFER));
        }
        if (pendingBody != null) pendingBody.writeTo(upstream, ch, client::updateReading);
        if (upstreamChannel() == ch && !client.reading()) {
            // Inside a client read the flush waits for the read's end (ClientHandler.channelReadComplete):
            // a malformed body in the same read then fails the request before any byte reaches the node.
            ch.flush();
        }
        client.updateReading();
    }

    // ---- request body ------------------------------------------------------------------------

    void onRequestContent(HttpContent content) {
        if (phase == Phase.DONE) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            closeClientAfter = true;
            if (phase == Phase.RESPONDING) {
                abortBoth();
            } else {
                rejectMalformed(content.decoderResult().cause());
            }
            return;
        }
        bodyBytes += content.content().readableBytes();
        if (content instanceof LastHttpContent last) {
            requestComplete = true;
            if (!last.trailingHeaders().isEmpty()) {
                // Request trailers are dropped, as nginx does: a node that merges them into the head
                // would otherwise take a client's X-Consumer-Id or Host from them.
                content = new io.netty.handler.codec.http.DefaultLastHttpContent(last.content());
            }
        }
        if (bodyBytes > maxBodyBytes) {
            content.release();
            closeClientAfter = true;
            if (phase == Phase.RESPONDING) {
                abortBoth();
            } else {
                fail(Problems.Kind.BODY_TOO_LARGE, "the body exceeds the limit of " + maxBodyBytes + " bytes");
            }
            return;
        }
        if (upstreamChannel() == null) {
            if (pendingBody == null) pendingBody = new PendingBody();
            pendingBody.add(content);
            if (bodyEdit != null && pendingBody.bytes() > bodyEdit.maxBytes()) {
                closeClientAfter = true;
                fail(Problems.Kind.BODY_TOO_LARGE, "the body exceeds the limit of " + bodyEdit.maxBytes()
                        + " bytes for a body this route edits (transform request maxBodyBytes)");
                return;
            }
            if (phase == Phase.COLLECTING && requestComplete) bodyComplete();
            return;
        }
        writeBody(content);
    }

    private void writeBody(HttpContent content) {
        if (!upstream.write(content)) {
            client.updateReading(); // pauses the client until the node catches up
        }
    }

    /**
     * {@code server.limits.minRequestBodyRate}: a body still arriving after the head is checked once
     * a second. Only time in which the gateway was reading counts (not time it paused the client
     * for a slow node), and only once the grace has passed is the average rate held to the minimum.
     */
    /**
     * A client read ended: a body still incomplete now is watched from the head's arrival on (a body
     * that came with its head, the common case, costs no timer).
     */
    void readEnded() {
        if (bodyRateTimer != null || phase == Phase.DONE || !requestHasBody || requestComplete || clientVersion == null) return;
        io.turnpike.config.Limits.BodyRate rate = snapshot.config().server().limits().minRequestBodyRate();
        if (!rate.enabled()) return;
        bodyRateTick = startNanos;
        bodyRateTimer = cctx.executor().scheduleAtFixedRate(this::checkBodyRate, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private void checkBodyRate() {
        if (phase == Phase.DONE || requestComplete) {
            bodyRateTimer.cancel(false);
            return;
        }
        long now = System.nanoTime();
        if (wantsRequestBytes()) bodyRateClock += now - bodyRateTick;
        bodyRateTick = now;
        io.turnpike.config.Limits.BodyRate rate = snapshot.config().server().limits().minRequestBodyRate();
        if (bodyRateClock <= rate.grace().toNanos()) return;
        if (bodyBytes >= rate.bytesPerSecond() * (bodyRateClock / 1e9)) return;
        closeClientAfter = true;
        if (phase == Phase.RESPONDING && held == null) {
            abortBoth();
        } else {
            fail(Problems.Kind.BODY_TIMEOUT, "the request body arrived slower than "
                    + rate.bytesPerSecond() + " bytes/s (server.limits.minRequestBodyRate)");
        }
    }

    void flushUpstream() {
        if (upstream != null) upstream.flush();
    }

    /** The upstream connection drained its outbound buffer: read more of the request body. */
    @Override
    public void upstreamWritable() {
        client.updateReading();
    }

    // ---- response ------------------------------------------------------------------------------

    @Override
    public void responseHead(HttpResponse res) {
        phase = Phase.RESPONDING;
        status = res.status().code();
        HttpVersion cv = clientVersion;
        HttpHeaders oh = res.headers();
        boolean upstreamKnowsLength = oh.contains(HttpHeaderNames.CONTENT_LENGTH);
        ProxyHeaders.stripHopByHop(oh);
        res.setProtocolVersion(cv);
        HttpResponse out = res;
        boolean bodyless = head || res.status().code() == 204 || res.status().code() == 304
                || res.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        io.turnpike.compose.ResponseShaper shape = route.transforms == null ? null : route.transforms.response(profile);
        io.turnpike.compose.ResponseShaper shaper = null;
        if (shape != null) {
            shape.applyHeaders(oh, this);
            if (!bodyless && shape.appliesTo(status, oh)) {
                shaper = shape; // the body is held, reshaped, and sent with its new length
                oh.remove(HttpHeaderNames.CONTENT_LENGTH);
                oh.remove(HttpHeaderNames.ETAG);
                upstreamKnowsLength = true;
            }
        }
        if (!bodyless && !upstreamKnowsLength) {
            if (cv.equals(HttpVersion.HTTP_1_1)) {
                responseChunkedToClient = true;
                oh.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                closeClientAfter = true; // HTTP/1.0: the end of the body is the end of the connection
            }
        }
        Forwarding.appendVia(oh);
        oh.set(ProxyHeaders.X_REQUEST_ID, requestId);
        addPolicyHeaders(oh);
        if (requestHasBody && !requestComplete) {
            closeClientAfter = true; // answered before the body ended: the rest cannot be skipped safely
        }
        if (!clientKeepAlive || closeClientAfter || context.draining()) {
            closeClientAfter = true;
            oh.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (cv.equals(HttpVersion.HTTP_1_0)) {
            oh.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (shaper != null) {
            held = new HeldResponse(out, shaper, cctx.alloc());
            return;
        }
        client.codec().nextResponseForHead(head);
        cctx.write(out, cctx.voidPromise());
    }

    /** A response whose body a transform reshapes: held (bounded) until its end, then sent whole. */
    private void holdResponseContent(HttpContent c) {
        if (!held.add(c)) {
            c.release();
            fail(Problems.Kind.BAD_GATEWAY, "the response of service " + route.service.id()
                    + " exceeds the transform limit of " + held.limit() + " bytes (transform maxBodyBytes)");
            return;
        }
        if (!(c instanceof LastHttpContent)) return;
        byte[] shaped;
        try {
            shaped = held.reshape(this);
        } catch (io.turnpike.compose.ResponseShaper.Unusable e) {
            fail(Problems.Kind.BAD_GATEWAY, e.getMessage().replace("the service", "service " + route.service.id()));
            return;
        }
        bytesOut = shaped.length;
        client.codec().nextResponseForHead(head);
        cctx.write(held.head(), cctx.voidPromise());
        held = null;
        finish(false);
        cctx.writeAndFlush(new io.netty.handler.codec.http.DefaultLastHttpContent(
                io.netty.buffer.Unpooled.wrappedBuffer(shaped)), cctx.voidPromise());
        responseDone();
    }

    @Override
    public void responseContent(HttpContent c) {
        if (held != null) {
            holdResponseContent(c);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        bytesOut += c.content().readableBytes();
        if (last && !responseChunkedToClient && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
            // Trailers only travel in a chunked body; with a Content-Length they are dropped.
            HttpContent plain = new io.netty.handler.codec.http.DefaultLastHttpContent(c.content());
            c = plain;
        }
        if (last) {
            // Done before the last byte leaves, so whoever observes exchanges has seen this one
            // by the time the client has the whole response.
            finish(false);
            cctx.writeAndFlush(c, cctx.voidPromise()); // a failure reaches ClientHandler.exceptionCaught
            responseDone();
        } else {
            cctx.write(c, cctx.voidPromise());
            if (!cctx.channel().isWritable()) {
                upstream.readResponse(false); // the client is slower: let the node wait
            }
        }
    }

    /** End of an upstream read burst: push what was written to the client. */
    @Override
    public void upstreamReadComplete() {
        cctx.flush();
    }

    /** The client drained what it was sent: read the node's response again. */
    void clientWritable() {
        if (phase != Phase.DONE && upstream != null) upstream.readResponse(true);
    }

    private void responseDone() {
        if (upstream != null) upstream.release();
        client.exchangeDone(this, closeClientAfter);
    }

    // ---- failures ------------------------------------------------------------------------------

    /** No try at the service is left: answer the client, or cut it off when its response began. */
    @Override
    public void failed(UpstreamCaller.Failure failure, String detail) {
        switch (failure) {
            case NO_NODE -> fail(Problems.Kind.NO_NODE, detail);
            case CONNECT_TIMEOUT -> fail(Problems.Kind.GATEWAY_TIMEOUT, detail);
            case CONNECT_FAILED -> fail(Problems.Kind.BAD_GATEWAY, detail);
            case RESET, TIMEOUT -> {
                if (phase == Phase.RESPONDING && held == null) {
                    abortClientOnly();
                } else {
                    fail(failure == UpstreamCaller.Failure.RESET ? Problems.Kind.BAD_GATEWAY
                            : Problems.Kind.GATEWAY_TIMEOUT, detail);
                }
            }
        }
    }

    /** The client connection went away: stop the upstream request too. */
    void clientGone() {
        if (phase == Phase.DONE) return;
        outcome = "client-aborted";
        endNode(Outcome.CANCELLED);
        finish(true);
        dropUpstream();
    }

    /** The connection's timer fired at this exchange's deadline: time out, or look again later. */
    void deadlinePassed() {
        if (phase == Phase.DONE) return;
        long now = System.nanoTime();
        if (phase == Phase.COLLECTING) {
            if (now - requestDeadline >= 0) {
                fail(Problems.Kind.BODY_TIMEOUT, "the request body was not complete within the route's timeout of "
                        + route.requestTimeoutNanos / 1_000_000 + " ms");
            } else {
                client.deadline(requestDeadline);
            }
            return;
        }
        if (phase == Phase.CHECKING) {
            if (now - requestDeadline >= 0) {
                fail(Problems.Kind.CHECK_UNAVAILABLE, "a check this route needs did not complete in time");
            } else {
                client.deadline(requestDeadline);
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
        client.abort();
    }

    private void dropUpstream() {
        if (upstream != null) upstream.drop();
    }

    private FullHttpResponse problem(Problems.Kind kind, String detail) {
        HttpVersion v = clientVersion != null ? clientVersion : request.protocolVersion();
        return Problems.response(cctx.alloc(), v.equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0
                : HttpVersion.HTTP_1_1, kind, detail, requestId);
    }

    /** Answers with a problem (the response has not started) and ends the exchange. */
    private void fail(Problems.Kind kind, String detail) {
        finishWithProblem(kind, problem(kind, detail));
    }

    private void finishWithProblem(Problems.Kind kind, FullHttpResponse res) {
        if (phase == Phase.DONE) {
            res.release();
            return;
        }
        endNode(Outcome.CANCELLED); // the gateway answers this one: nothing to hold against the node
        status = res.status().code();
        bytesOut = res.content().readableBytes();
        rejection = kind;
        addPolicyHeaders(res.headers());
        outcome = kind == null ? "ok" : "rejected"; // null: an answer the gateway owes (a CORS preflight)
        finish(false); // first: closing the upstream below fails its pending writes, which must find us done
        dropUpstream();
        int code = res.status().code();
        if (code == 400 || code == 408 || code == 413 || code == 414 || code == 431) {
            closeClientAfter = true; // a client that sent something unparsable gets no second chance here
        }
        if (requestHasBody && !requestComplete || !clientKeepAlive || context.draining()) {
            // The unread rest of a body would be taken for the next request: close instead.
            closeClientAfter = true;
        }
        if (closeClientAfter) {
            client.respondAndClose(res);
        } else {
            client.codec().nextResponseForHead(head);
            if (HttpVersion.HTTP_1_0.equals(clientVersion)) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            cctx.writeAndFlush(res, cctx.voidPromise());
            client.exchangeDone(this, false);
        }
    }

    private void finish(boolean failed) {
        if (phase == Phase.DONE) return;
        phase = Phase.DONE;
        endNanos = System.nanoTime();
        if (bodyRateTimer != null) {
            bodyRateTimer.cancel(false);
            bodyRateTimer = null;
        }
        if (upstream != null) {
            upstream.endSpan(outcome.equals("ok") ? "ok"
                    : rejection == Problems.Kind.GATEWAY_TIMEOUT ? "timeout" : "failed", endNanos);
        }
        if (pendingBody != null) {
            pendingBody.release();
            pendingBody = null;
        }
        if (held != null) {
            held.release();
            held = null;
        }
        if (aggregateRun != null) aggregateRun.cancel();
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

    // ---- what the upstream request asks of the exchange ------------------------------------------

    // ---- PickRequest ----------------------------------------------------------------------------

    @Override public String header(String name) { return request.headers().get(name); }
    @Override public String cookie(String name) {
        String header = request.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) return null;
        for (io.netty.handler.codec.http.cookie.Cookie c : io.netty.handler.codec.http.cookie.ServerCookieDecoder.LAX.decode(header)) {
            if (c.name().equals(name)) return c.value();
        }
        return null;
    }

    // ---- ExchangeView ---------------------------------------------------------------------------

    @Override public String requestId() { return requestId; }
    @Override public long startEpochMillis() { return startMillis; }
    @Override public String clientIp() {
        io.turnpike.config.TrustedProxies.Client c = forwardedClient();
        return c == null ? client.clientIp() : c.ip();
    }
    @Override public String consumerId() { return consumer == null ? null : consumer.id(); }
    @Override public String authDecision() { return authDecision; }
    @Override public String method() { return request.method().name(); }
    @Override public String path() { return path != null ? path : request.uri(); }
    @Override public String routeId() { return route == null ? null : route.id(); }
    @Override public String serviceId() { return route == null || route.service == null ? null : route.service.id(); }
    @Override public String nodeKey() { return upstream == null ? null : upstream.nodeKey(); }
    @Override public int status() { return status; }
    @Override public long bytesIn() { return bodyBytes; }
    @Override public long bytesOut() { return bytesOut; }
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
    @Override public java.util.List<ExchangeView.Attempt> attempts() {
        return trace == null ? java.util.List.of() : trace.attempts();
    }
}
