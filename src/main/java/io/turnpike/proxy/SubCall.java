package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.compose.Fetcher;
import io.turnpike.core.LoopClock;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.LoopPool;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.Service;
import java.util.concurrent.TimeUnit;

/**
 * One call of an aggregation: a whole request sent to one service the way a proxied request is,
 * through an {@link UpstreamRequest} on the request's event loop. The answer is read whole,
 * bounded; the call's own timer bounds all its tries.
 */
final class SubCall implements UpstreamCaller {
    private final Service service;
    private final EventLoop loop;
    private final FullHttpRequest request; // owned: released when the call ends
    private final Fetcher.Call spec;
    private final Fetcher.Callback callback;
    private final String clientIp;
    private final Runnable onEnd;
    private final UpstreamRequest upstream;

    private boolean done;
    private ScheduledFuture<?> timer;
    private HttpResponse head;
    private CompositeByteBuf body;

    SubCall(Service service, LoopPool pools, EventLoop loop, FullHttpRequest request, Fetcher.Call spec,
            Fetcher.Callback callback, String clientIp, AttemptTrace trace, Runnable onEnd) {
        this.service = service;
        this.loop = loop;
        this.request = request;
        this.spec = spec;
        this.callback = callback;
        this.clientIp = clientIp;
        this.onEnd = onEnd;
        this.upstream = new UpstreamRequest(service, pools, loop, this, trace.call(), request.method().name(),
                false, false);
    }

    void start() {
        timer = loop.schedule(this::timedOut, spec.timeoutNanos(), TimeUnit.NANOSECONDS);
        upstream.start();
    }

    @Override
    public void refused(Admission admission) {
        end(Fetcher.Failure.UNAVAILABLE, "service " + service.id() + " refuses calls ("
                + admission.reason().toString().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")");
    }

    @Override
    public HttpRequest head(Node node) {
        request.headers().set(HttpHeaderNames.HOST, node.hostHeader());
        return request.retainedDuplicate(); // the whole call: a later try sends it again
    }

    @Override
    public void sendBody(Channel ch) {
        ch.flush(); // the head was the whole request
    }

    @Override
    public void responseHead(HttpResponse res) {
        head = res;
        body = upstream.channel().alloc().compositeBuffer();
    }

    @Override
    public void responseContent(HttpContent c) {
        if (head == null) { // the rest of a response that is no longer wanted
            c.release();
            return;
        }
        ByteBuf b = c.content();
        if (body.readableBytes() + (long) b.readableBytes() > spec.maxBytes()) {
            c.release();
            settle(Outcome.CANCELLED);
            upstream.drop();
            end(Fetcher.Failure.TOO_LARGE, "service " + service.id() + " answered more than the limit of "
                    + spec.maxBytes() + " bytes");
            return;
        }
        body.addComponent(true, b); // takes over the content's reference
        if (!(c instanceof LastHttpContent)) return;
        int status = head.status().code();
        settle(status >= 500 ? Outcome.SERVER_ERROR : Outcome.SUCCESS);
        upstream.release();
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
    public void failed(UpstreamCaller.Failure failure, String detail) {
        upstream.endSpan("failed", LoopClock.nanoTime(loop)); // a broken connection's try; the others ended already
        switch (failure) {
            case NO_NODE -> end(Fetcher.Failure.UNAVAILABLE, detail);
            case CONNECT_TIMEOUT -> end(Fetcher.Failure.FAILED, "connecting to service " + service.id() + " timed out");
            case TIMEOUT -> end(Fetcher.Failure.TIMEOUT, detail);
            default -> end(Fetcher.Failure.FAILED, detail);
        }
    }

    private void timedOut() {
        if (done) return;
        settle(Outcome.TIMEOUT);
        upstream.drop();
        end(Fetcher.Failure.TIMEOUT, "service " + service.id() + " did not answer within "
                + TimeUnit.NANOSECONDS.toMillis(spec.timeoutNanos()) + " ms");
    }

    /** Stops the call without a word to the callback (the aggregation no longer needs it). */
    void cancel() {
        if (done) return;
        settle(Outcome.CANCELLED);
        upstream.drop();
        finish();
    }

    /** Closes the try's books and its span, when a connection carried it. */
    private void settle(Outcome how) {
        if (!upstream.accounting()) return;
        upstream.endSpan(switch (how) {
            case SUCCESS -> "ok";
            case TIMEOUT -> "timeout";
            default -> "failed";
        }, LoopClock.nanoTime(loop));
        upstream.account(how);
    }

    private void end(Fetcher.Failure kind, String detail) {
        finish();
        callback.failed(kind, detail);
    }

    private void finish() {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel(false);
        if (body != null) {
            body.release();
            body = null;
        }
        head = null;
        request.release();
        upstream.finish();
        onEnd.run();
    }

    // ---- what the engine asks of a call: it has no client of its own but the forwarded headers

    @Override public HttpHeaders headers() { return request.headers(); }
    @Override public String header(String name) { return request.headers().get(name); }
    @Override public String cookie(String name) { return null; }
    @Override public String clientIp() { return clientIp; }
    @Override public boolean bodiless() { return true; } // the body is held whole: it can be sent again
    @Override public boolean requestComplete() { return true; }
    @Override public long deadline() { return Long.MAX_VALUE; } // the call's own timer bounds its tries
    @Override public void connected(long now) {}
    @Override public void timer(long nanos) {}
    @Override public void upstreamReadComplete() {}
    @Override public void upstreamWritable() {}
}
