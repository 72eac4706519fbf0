package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.core.LoopClock;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.Lease;
import io.turnpike.upstream.LoopPool;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.PickRequest;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.TlsHandshakeFailure;
import java.util.concurrent.TimeUnit;

/**
 * One request to a service, over as many tries as it takes: the service's guard admits it, its
 * balancer picks a node not tried yet, a pooled connection of the event loop carries the head and
 * body, and each try is accounted to the node (stats, health) and to the guard exactly once. A try
 * that fails before any answer goes again where the service's {@code retries:} allow; a pooled
 * connection found stale is replaced once; a node that cannot be reached gives way to the next.
 * What the node answers, and the failure when no try is left, go to the {@link UpstreamCaller}.
 * Confined to the event loop it was made on.
 */
final class UpstreamRequest implements Lease, PickRequest, UpstreamHandler.Receiver {

    private static final io.netty.util.AsciiString GRPC_STATUS = io.netty.util.AsciiString.cached("grpc-status");

    /** The spans of the tries: each begins on a node and ends with how it went. */
    interface Spans {
        void begin(HttpHeaders head, long now);

        void end(String nodeKey, String how, long now);
    }

    private final Service service;
    private final LoopPool pools;
    private final EventLoop loop;
    private final UpstreamCaller caller;
    private final Spans spans;
    private final boolean highPriority;
    private final RetryState state;

    private boolean admitted;
    private boolean done;
    private Throwable lastConnectFailure;
    private Node node;
    private NodePool pool;
    private Channel upstream;
    private UpstreamHandler handler;
    private boolean counted;
    private long tryStart;
    private long nodeStart;
    private long firstByte = -1;
    private long tryDeadline = Long.MAX_VALUE;
    private long activity; // the last byte to or from the node: idle time counts from here
    private boolean responded; // a response head went to the caller
    private boolean informational; // a 1xx head came: its end is dropped
    private boolean bodyWritten;
    private boolean requestSent; // the request's end went out

    UpstreamRequest(Service service, LoopPool pools, EventLoop loop, UpstreamCaller caller, Spans spans,
                    String method, boolean highPriority, boolean retryNonIdempotent) {
        this.service = service;
        this.pools = pools;
        this.loop = loop;
        this.caller = caller;
        this.spans = spans;
        this.highPriority = highPriority;
        this.state = new RetryState(service, method, retryNonIdempotent);
    }

    /** Admits the request through the service's guard and makes its first try. */
    void start() {
        Admission admission = service.guard().admit(highPriority, LoopClock.nanoTime(loop));
        if (!admission.allowed()) {
            caller.refused(admission);
            return;
        }
        admitted = true;
        service.retryBudget().onRequest();
        attempt();
    }

    private void attempt() {
        long now = LoopClock.nanoTime(loop);
        Node n = service.balancer().pick(this, now);
        while (n != null && !n.health().onPicked(now)) {
            // its last probe permit went to another request: look again
            n = state.lost(service.indexOf(n)) ? service.balancer().pick(this, now) : null;
        }
        if (n == null) {
            if (state.tries() == 0) {
                caller.failed(UpstreamCaller.Failure.NO_NODE, "no node of service " + service.id() + " is available");
            } else if (lastConnectFailure instanceof TlsHandshakeFailure tls) {
                caller.failed(tls.timedOut() ? UpstreamCaller.Failure.CONNECT_TIMEOUT
                        : UpstreamCaller.Failure.CONNECT_FAILED, tls.getMessage());
            } else if (lastConnectFailure instanceof ConnectTimeoutException) {
                caller.failed(UpstreamCaller.Failure.CONNECT_TIMEOUT, "connecting to " + node.key() + " timed out");
            } else {
                caller.failed(UpstreamCaller.Failure.CONNECT_FAILED, "could not connect to service " + service.id());
            }
            return;
        }
        state.picked(service.indexOf(n));
        node = n;
        pool = pools.pool(n);
        beginTry();
    }

    /** A span for the try, then a connection: idle from the pool, or a new one within the connect timeout. */
    private void beginTry() {
        tryStart = LoopClock.nanoTime(loop);
        spans.begin(caller.headers(), tryStart);
        var connect = service.timeouts().connect();
        pool.acquire(this, service.pool(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, connect.toMillis())));
        if (upstream == null && !done) caller.timer(LoopClock.nanoTime(loop) + connect.toNanos());
    }

    @Override
    public void onConnection(Channel ch, boolean reused) {
        if (done) {
            pool.release(ch); // the request ended while the connection was on its way
            return;
        }
        upstream = ch;
        handler = ch.pipeline().get(UpstreamHandler.class);
        handler.attach(this, reused);
        long now = LoopClock.nanoTime(loop);
        activity = now;
        node.stats().onStart(now);
        counted = true;
        nodeStart = now;
        firstByte = -1;
        informational = false;
        caller.connected(now);
        var perTry = service.retries().perTryTimeout();
        tryDeadline = perTry == null ? Long.MAX_VALUE : now + perTry.toNanos();
        caller.timer(nextDeadline());
        // A failed write reaches UpstreamHandler.exceptionCaught (void promise: no listener per write),
        // which may run at once and retry or fail the request: hence the checks of `upstream` below.
        HttpRequest head = caller.head(node);
        // TE: trailers (the one TE kept on arrival) is for HTTP/2 nodes; HTTP/1.1 hops never carry TE
        if (!(ch instanceof Http2StreamChannel)) head.headers().remove(HttpHeaderNames.TE);
        ch.write(head, ch.voidPromise()); // a head that is not a whole request is not consumed: retries resend it
        if (upstream != ch) return;
        if (head instanceof LastHttpContent) {
            requestSent = true;
        } else if (requestSent) {
            // Re-sending a bodiless request whose end marker went to an earlier try's connection.
            requestSent = false;
            write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        caller.sendBody(ch);
    }

    @Override
    public void onConnectFailure(Throwable cause) {
        if (done) return;
        long now = LoopClock.nanoTime(loop);
        node.stats().onStart(now);
        counted = true;
        nodeStart = tryStart;
        account(Outcome.CONNECT_FAILURE);
        spans.end(node.key(), "connect-failed", LoopClock.nanoTime(loop));
        lastConnectFailure = cause;
        attempt(); // the next node; attempt() fails the request when none is left
    }

    // ---- the request body ----------------------------------------------------------------------

    /**
     * Writes a piece of the body on the try's connection (not flushed). Returns false when the
     * connection cannot take more for now: the caller pauses its source until {@code upstreamWritable}.
     */
    boolean write(HttpContent content) {
        // A node answers after the whole body: time spent still sending it is not the node being idle.
        if (content.content().isReadable()) activity = LoopClock.nanoTime(loop);
        bodyWritten |= content.content().isReadable();
        upstream.write(content, upstream.voidPromise());
        if (content instanceof LastHttpContent) {
            requestSent = true;
            return true;
        }
        return upstream == null || upstream.isWritable();
    }

    void flush() {
        if (upstream != null) upstream.flush();
    }

    /** The connection of the try under way, or null while there is none. */
    Channel channel() {
        return upstream;
    }

    /** Reads the node's response on, or lets the node wait (the client is slower). */
    void readResponse(boolean on) {
        if (upstream != null) upstream.config().setAutoRead(on);
    }

    // ---- the response --------------------------------------------------------------------------

    @Override
    public void onResponse(HttpObject msg) {
        activity = LoopClock.nanoTime(loop);
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse res) {
            if (res.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                upstreamFailed(res.decoderResult().cause(), true);
                return;
            }
            if (res.status().code() == 101) {
                switched(res); // the node left HTTP/1.1: what follows on the connection is not a response
                return;
            }
            if (res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                informational = true; // 100 Continue and friends from the node; the client got ours
                ReferenceCountUtil.release(msg);
                return;
            }
            if ((service.retriesOnStatus(res.status().code()) || grpcRetryable(res))
                    && retry(Outcome.SERVER_ERROR)) {
                ReferenceCountUtil.release(msg); // its body is dropped with its connection
                return;
            }
            responded = true;
            firstByte = LoopClock.nanoTime(loop);
            caller.responseHead(res); // the client codec never merges head and body, so this is the head alone
        } else if (msg instanceof HttpContent c) {
            if (informational) {
                informational = false;
                c.release();
                return;
            }
            if (c.decoderResult().isFailure()) {
                c.release();
                upstreamFailed(c.decoderResult().cause(), true);
                return;
            }
            caller.responseContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A trailers-only gRPC answer (its {@code grpc-status} in the head) whose status the retries list. */
    private boolean grpcRetryable(HttpResponse res) {
        var codes = service.retries().onGrpcStatuses();
        if (codes.isEmpty()) return false;
        String status = res.headers().get(GRPC_STATUS);
        if (status == null) return false;
        try {
            return codes.contains(Integer.parseInt(status.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A 101: the caller takes the connection, or the request fails (502) and the connection goes. */
    private void switched(HttpResponse res) {
        responded = true;
        firstByte = LoopClock.nanoTime(loop);
        if (caller.switchProtocols(res)) return;
        ReferenceCountUtil.release(res);
        account(Outcome.SERVER_ERROR);
        discard();
        caller.failed(UpstreamCaller.Failure.RESET, "service " + service.id()
                + " answered 101 Switching Protocols to a request that may not switch");
    }

    /**
     * The node switched protocols (101) and the caller takes the connection for good: it leaves the
     * pool (which no longer counts it) and the relay; the caller replaces {@link UpstreamHandler}.
     */
    Channel takeOver() {
        Channel ch = upstream;
        upstream = null;
        handler.detach();
        pool.handOver(ch);
        return ch;
    }

    @Override
    public void upstreamReadComplete() {
        if (!done) caller.upstreamReadComplete();
    }

    @Override
    public void upstreamWritable() {
        caller.upstreamWritable();
    }

    /** The response ended: the connection goes back to its pool when the node allows another request on it. */
    void release() {
        Channel ch = upstream;
        if (ch == null) return;
        boolean reusable = requestSent && handler.reusableAfter();
        upstream = null;
        handler.detach();
        if (reusable) {
            if (!ch.config().isAutoRead()) {
                ch.config().setAutoRead(true); // idle in the pool it must notice a close at once
            }
            pool.release(ch);
        } else {
            pool.discard(ch);
        }
    }

    // ---- failures ------------------------------------------------------------------------------

    /** The connection broke (write failed, closed early, or sent garbage). */
    @Override
    public void upstreamFailed(Throwable cause, boolean gotBytes) {
        if (done) return;
        boolean stale = handler != null && handler.reused() && !responded && !gotBytes && !handler.sawBytes();
        discard();
        if (stale && !bodyWritten && caller.bodiless() && state.takeStaleResend()) {
            // A pooled connection the node had already closed: the request never reached it.
            account(Outcome.CANCELLED);
            spans.end(node.key(), "failed", LoopClock.nanoTime(loop));
            beginTry();
            return;
        }
        if (cause instanceof UpstreamHandler.Unprocessed && !responded && caller.bodiless()
                && caller.requestComplete() && state.takeUnprocessedResend()) {
            // HTTP/2 GOAWAY or REFUSED_STREAM: the node did not act on it; the pool gives another connection.
            account(Outcome.CANCELLED);
            spans.end(node.key(), "refused", LoopClock.nanoTime(loop));
            beginTry();
            return;
        }
        if (!responded && !gotBytes && retry(Outcome.RESET)) return;
        account(Outcome.RESET);
        // TLS 1.3 servers refuse a client certificate after the client's side of the handshake is done.
        String tls = node.tls() == null ? null : TlsHandshakeFailure.describe(node, cause);
        caller.failed(UpstreamCaller.Failure.RESET, tls != null ? tls
                : "the connection to service " + service.id() + " failed");
    }

    /**
     * Tries again after a failed try when the service's retries, the method, the budget and the
     * deadline all allow it; the try's connection is dropped (with whatever it still had to say).
     * Returns false when it may not: the caller's request fails.
     */
    private boolean retry(Outcome how) {
        if (done || !caller.bodiless() || !caller.requestComplete()) return false;
        long deadline = caller.deadline();
        long wait = state.nextTry(how, LoopClock.nanoTime(loop), deadline);
        if (wait < 0) return false;
        account(how);
        spans.end(node.key(), how == Outcome.TIMEOUT ? "timeout" : "failed", LoopClock.nanoTime(loop));
        discard();
        // requestSent stays: the next try re-sends the end after the head (an HTTP/2 stream needs its END_STREAM)
        caller.timer(deadline);
        loop.schedule(this::retryNow, wait, TimeUnit.NANOSECONDS);
        return true;
    }

    private void retryNow() {
        if (done) return;
        activity = LoopClock.nanoTime(loop);
        attempt();
    }

    /** The earliest of the request's, the try's and the idle deadline (idle: no byte to or from the node). */
    long nextDeadline() {
        long requestDeadline = caller.deadline();
        long idle = service.timeouts().idle().toNanos();
        long next = requestDeadline - tryDeadline < 0 ? requestDeadline : tryDeadline;
        if (upstream != null && idle > 0 && activity + idle - next < 0) next = activity + idle;
        return next;
    }

    /** The caller's timer fired: the request, the try or the connecting timed out, or look again later. */
    void timerFired(long now) {
        long requestDeadline = caller.deadline();
        if (upstream == null) {
            if (pool != null) pool.cancel(this);
            timedOut(now - requestDeadline >= 0 ? "service " + service.id() + " did not answer in time"
                    : "connecting to service " + service.id() + " timed out");
            return;
        }
        long idle = service.timeouts().idle().toNanos();
        if (now - requestDeadline >= 0) {
            timedOut("service " + service.id() + " did not answer in time");
        } else if (now - tryDeadline >= 0 || idle > 0 && now - activity >= idle) {
            if (!responded && retry(Outcome.TIMEOUT)) return;
            timedOut(now - tryDeadline >= 0 ? "a try at service " + service.id() + " timed out"
                    : "service " + service.id() + " sent nothing for " + (idle / 1_000_000) + " ms");
        } else {
            caller.timer(nextDeadline());
        }
    }

    private void timedOut(String detail) {
        account(Outcome.TIMEOUT);
        caller.failed(UpstreamCaller.Failure.TIMEOUT, detail);
    }

    // ---- the end -------------------------------------------------------------------------------

    /** Closes the node's books for the try under way, once: its stats, its health, the service's guard. */
    void account(Outcome how) {
        if (!counted) return;
        counted = false;
        long now = LoopClock.nanoTime(loop);
        long total = now - nodeStart;
        node.stats().onEnd(how, firstByte < 0 ? -1 : firstByte - nodeStart, total, now);
        node.health().onOutcome(how, total, now);
        service.guard().onOutcome(how, total, now);
    }

    /** True while a try holds a connection whose books are open. */
    boolean accounting() {
        return counted;
    }

    /** Ends the span of the try under way as {@code how} (ok, failed, timeout). */
    void endSpan(String how, long now) {
        if (node != null) spans.end(node.key(), how, now);
    }

    /** The request is over for its caller: nothing more is tried, and the guard hears it ended. */
    void finish() {
        if (done) return;
        done = true;
        if (admitted) service.guard().onRequestEnd();
    }

    /** Drops the try's connection, whatever it still had to say, and any lease still waiting. */
    void drop() {
        discard();
        if (pool != null) pool.cancel(this);
    }

    private void discard() {
        Channel ch = upstream;
        if (ch != null) {
            upstream = null;
            handler.detach();
            pool.discard(ch);
        }
    }

    /** The node of the latest try, or null before the first. */
    String nodeKey() {
        return node == null ? null : node.key();
    }

    /** Retries for the access log: tries after the first, and stale resends. */
    int retries() {
        return state.retries();
    }

    // ---- PickRequest ---------------------------------------------------------------------------

    @Override public long tried() { return state.tried(); }
    @Override public boolean highPriority() { return highPriority; }
    @Override public String header(String name) { return caller.header(name); }
    @Override public String cookie(String name) { return caller.cookie(name); }
    @Override public String clientIp() { return caller.clientIp(); }
}
