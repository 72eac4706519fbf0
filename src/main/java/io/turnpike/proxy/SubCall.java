package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.compose.Fetcher;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.Lease;
import io.turnpike.upstream.LoopPool;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.PickRequest;
import io.turnpike.upstream.Service;
import java.util.concurrent.TimeUnit;

/**
 * One call of an aggregation: a whole request sent to one service the way a proxied request is —
 * the service's breaker admits it, its balancer picks the node, a pooled connection of the
 * request's event loop carries it, and the node's statistics, health and the breaker hear how it
 * went. The answer is read whole, bounded. Another node is tried when connecting fails, and the
 * request is sent again once when a pooled connection turns out to be stale.
 */
final class SubCall implements Lease, PickRequest, UpstreamHandler.Receiver {
    private final Service service;
    private final LoopPool pools;
    private final EventLoop loop;
    private final FullHttpRequest request; // owned: released when the call ends
    private final Fetcher.Call spec;
    private final Fetcher.Callback callback;
    private final String clientIp;
    private final Runnable onEnd;
    private final AttemptTrace trace;
    private String spanId;
    private long tryStart;

    private boolean done;
    private boolean admitted;
    private long tried;
    private int attempts;
    private boolean staleRetried;
    private int retries;
    private Throwable lastConnectFailure;
    private Node node;
    private NodePool pool;
    private Channel channel;
    private UpstreamHandler handler;
    private boolean nodeCounted;
    private long nodeStart;
    private long firstByte = -1;
    private ScheduledFuture<?> timer;
    private HttpResponse head;
    private CompositeByteBuf body;
    private boolean keepAlive;

    SubCall(Service service, LoopPool pools, EventLoop loop, FullHttpRequest request, Fetcher.Call spec,
            Fetcher.Callback callback, String clientIp, AttemptTrace trace, Runnable onEnd) {
        this.trace = trace;
        this.service = service;
        this.pools = pools;
        this.loop = loop;
        this.request = request;
        this.spec = spec;
        this.callback = callback;
        this.clientIp = clientIp;
        this.onEnd = onEnd;
    }

    void start() {
        long now = System.nanoTime();
        Admission admission = service.guard().admit(false, now);
        if (!admission.allowed()) {
            end(Fetcher.Failure.UNAVAILABLE, "service " + service.id() + " refuses calls ("
                    + admission.reason().toString().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")");
            return;
        }
        admitted = true;
        service.retryBudget().onRequest();
        timer = loop.schedule(this::timedOut, spec.timeoutNanos(), TimeUnit.NANOSECONDS);
        attempt();
    }

    private void attempt() {
        long now = System.nanoTime();
        Node n = service.balancer().pick(this, now);
        while (n != null && !n.health().onPicked(now)) {
            int lost = service.indexOf(n);
            if (lost < 0 || lost >= 64 || (tried & (1L << lost)) != 0) {
                n = null;
                break;
            }
            tried |= 1L << lost;
            n = service.balancer().pick(this, now);
        }
        if (n == null) {
            end(attempts == 0 ? Fetcher.Failure.UNAVAILABLE : Fetcher.Failure.FAILED,
                    attempts == 0 ? "no node of service " + service.id() + " is available"
                    : lastConnectFailure instanceof ConnectTimeoutException ? "connecting to service " + service.id()
                    + " timed out" : "could not connect to service " + service.id());
            return;
        }
        int idx = service.indexOf(n);
        if (idx >= 0 && idx < 64) tried |= 1L << idx;
        node = n;
        attempts++;
        pool = pools.pool(n);
        acquire();
    }

    private void acquire() {
        // Each try is a span of the request's trace; the node sees it as its parent.
        spanId = TraceContext.newSpanId();
        tryStart = System.nanoTime();
        request.headers().set(ProxyHeaders.TRACEPARENT, trace.context.header(spanId));
        long connect = service.timeouts().connect().toMillis();
        pool.acquire(this, service.pool(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, connect)));
    }

    @Override
    public void onConnection(Channel ch, boolean reused) {
        if (done) {
            pool.release(ch);
            return;
        }
        channel = ch;
        handler = ch.pipeline().get(UpstreamHandler.class);
        handler.attach(this, reused);
        nodeStart = System.nanoTime();
        node.stats().onStart(nodeStart);
        nodeCounted = true;
        request.headers().set(io.netty.handler.codec.http.HttpHeaderNames.HOST, node.hostHeader());
        ch.writeAndFlush(request.retainedDuplicate(), ch.voidPromise());
    }

    @Override
    public void onConnectFailure(Throwable cause) {
        if (done) return;
        long now = System.nanoTime();
        node.stats().onStart(now);
        nodeCounted = true;
        nodeStart = now;
        endNode(Outcome.CONNECT_FAILURE);
        lastConnectFailure = cause;
        attempt();
    }

    @Override
    public void onResponse(HttpObject msg) {
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
            if (res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ReferenceCountUtil.release(msg);
                head = null;
                return;
            }
            if (service.retries().onStatuses().contains(res.status().code()) && mayRetry()) {
                ReferenceCountUtil.release(msg); // its body goes with its connection
                endNode(Outcome.SERVER_ERROR);
                dropConnection();
                retryLater();
                return;
            }
            firstByte = System.nanoTime();
            head = res;
            keepAlive = HttpUtil.isKeepAlive(res);
            body = channel.alloc().compositeBuffer();
            if (msg instanceof HttpContent c) addContent(c);
            return;
        }
        if (msg instanceof HttpContent c) {
            if (head == null || c.decoderResult().isFailure()) { // the rest of a 1xx, or garbage
                boolean bad = c.decoderResult().isFailure();
                c.release();
                if (bad) upstreamFailed(c.decoderResult().cause(), true);
                return;
            }
            addContent(c);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void addContent(HttpContent c) {
        ByteBuf b = c.content();
        if (body.readableBytes() + (long) b.readableBytes() > spec.maxBytes()) {
            c.release();
            endNode(Outcome.CANCELLED);
            dropConnection();
            end(Fetcher.Failure.TOO_LARGE, "service " + service.id() + " answered more than the limit of "
                    + spec.maxBytes() + " bytes");
            return;
        }
        body.addComponent(true, b); // takes over the content's reference
        if (!(c instanceof LastHttpContent)) return;
        int status = head.status().code();
        endNode(status >= 500 ? Outcome.SERVER_ERROR : Outcome.SUCCESS);
        Channel ch = channel;
        channel = null;
        handler.detach();
        if (keepAlive) {
            if (!ch.config().isAutoRead()) ch.config().setAutoRead(true);
            pool.release(ch);
        } else {
            pool.discard(ch);
        }
        HttpHeaders headers = head.headers();
        ByteBuf content = body;
        body = null;
        finish();
        try {
            callback.answered(status, headers, content);
        } finally {
            content.release();
        }
    }

    @Override
    public void upstreamReadComplete() {}

    @Override
    public void upstreamWritable() {}

    @Override
    public void upstreamFailed(Throwable cause, boolean gotBytes) {
        if (done) return;
        boolean stale = handler != null && handler.reused() && head == null && !gotBytes && !handler.sawBytes();
        dropConnection();
        releaseBody();
        if (stale && !staleRetried) {
            staleRetried = true; // a pooled connection the node had closed: the call never reached it
            endNode(Outcome.CANCELLED);
            acquire();
            return;
        }
        endNode(Outcome.RESET);
        if (service.retries().onReset() && !gotBytes && mayRetry()) {
            retryLater();
            return;
        }
        end(Fetcher.Failure.FAILED, "the connection to service " + service.id() + " failed");
    }

    /**
     * The service's {@code retries:} apply to a call as to a proxied request: for idempotent methods,
     * within the attempts and the retry budget; the call's own timer bounds them all.
     */
    private boolean mayRetry() {
        var rules = service.retries();
        if (retries >= rules.attempts() || !RetryRule.methodAllows(request.method().name(), false)) return false;
        if (!service.retryBudget().tryRetry()) return false;
        retries++;
        if (Long.bitCount(tried) >= service.nodes().size()) tried = 0; // every node had its turn
        return true;
    }

    /** Jittered exponential backoff, then another node. */
    private void retryLater() {
        long wait = RetryRule.backoffNanos(service.retries(), retries);
        loop.schedule(() -> {
            if (!done) attempt();
        }, wait, TimeUnit.NANOSECONDS);
    }

    private void timedOut() {
        if (done) return;
        endNode(Outcome.TIMEOUT);
        dropConnection();
        end(Fetcher.Failure.TIMEOUT, "service " + service.id() + " did not answer within "
                + TimeUnit.NANOSECONDS.toMillis(spec.timeoutNanos()) + " ms");
    }

    /** Stops the call without a word to the callback (the aggregation no longer needs it). */
    void cancel() {
        if (done) return;
        endNode(Outcome.CANCELLED);
        dropConnection();
        finish();
    }

    private void dropConnection() {
        Channel ch = channel;
        if (ch != null) {
            channel = null;
            handler.detach();
            pool.discard(ch);
        }
        if (pool != null) pool.cancel(this);
    }

    private void end(Fetcher.Failure kind, String detail) {
        finish();
        callback.failed(kind, detail);
    }

    private void finish() {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel(false);
        releaseBody();
        request.release();
        if (admitted) service.guard().onRequestEnd();
        onEnd.run();
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
        head = null;
    }

    private void endNode(Outcome how) {
        if (!nodeCounted) return;
        nodeCounted = false;
        long now = System.nanoTime();
        long total = now - nodeStart;
        node.stats().onEnd(how, firstByte < 0 ? -1 : firstByte - nodeStart, total, now);
        trace.record(spanId, node.key(), tryStart, now, switch (how) {
            case SUCCESS -> "ok";
            case CONNECT_FAILURE -> "connect-failed";
            case TIMEOUT -> "timeout";
            default -> "failed";
        });
        node.health().onOutcome(how, total, now);
        service.guard().onOutcome(how, total, now);
    }

    // ---- PickRequest: a call has no client headers of its own to hash on but the forwarded ones

    @Override public long tried() { return tried; }
    @Override public boolean highPriority() { return false; }
    @Override public String header(String name) { return request.headers().get(name); }
    @Override public String cookie(String name) { return null; }
    @Override public String clientIp() { return clientIp; }
}
