package io.turnpike.proxy;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.config.Limits;
import io.turnpike.core.LoopClock;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import java.util.concurrent.TimeUnit;

/**
 * The request body of one exchange as it arrives: counted against the body limit, queued in a
 * {@link PendingBody} while no upstream connection can take it (or held whole for a
 * {@link PolicyCall.BodyEdit}), else written straight through; and watched for a minimum rate
 * ({@code server.limits.minRequestBodyRate}). It owns the chunks it has not passed on.
 */
final class RequestBody {
    /** Body bytes held while the upstream connection is being made; reading pauses past this. */
    private static final int MAX_PENDING_BYTES = 64 * 1024;

    private final Exchange exchange;
    private final Downstream down;
    private final Limits.BodyRate rate;
    private final boolean chunked; // how the decoder framed it: how it goes upstream
    private boolean present;
    private boolean complete;
    private long bytes;
    private long maxBytes;
    private PendingBody pending;
    private PolicyCall.BodyEdit edit;
    private WebText.Decoder base64; // a grpc-web-text body, decoded as it passes
    private ScheduledFuture<?> rateTimer;
    private long rateClock; // time the client has had to send the body while the gateway was reading it
    private long rateTick;

    RequestBody(Exchange exchange, Downstream down, HttpRequest request, Limits limits) {
        this.exchange = exchange;
        this.down = down;
        this.rate = limits.minRequestBodyRate();
        this.maxBytes = limits.maxBodyBytes();
        boolean parsed = request.decoderResult().isSuccess(); // else the head's fields may not be readable
        this.chunked = parsed && HttpUtil.isTransferEncodingChunked(request);
        this.present = parsed && (chunked || HttpUtil.getContentLength(request, 0L) > 0);
        this.complete = request instanceof LastHttpContent; // the decoder's stand-in for a message it could not parse
    }

    boolean complete() { return complete; }
    /** The request has a body (or, once edited, will carry one). */
    boolean present() { return present; }
    boolean chunked() { return chunked; }
    long bytes() { return bytes; }
    void maxBytes(long max) { maxBytes = max; }
    void edit(PolicyCall.BodyEdit edit) { this.edit = edit; }
    boolean edited() { return edit != null; }

    /** The body is grpc-web-text: what the upstream gets is its base64 decoded. */
    void decodeBase64() { base64 = new WebText.Decoder(); }

    /**
     * True while more of the body can be taken: the upstream connection can take it, or while that
     * connection is still being made (or the body is held whole), little is queued yet.
     */
    boolean wantsBytes(Channel upstream, boolean holdingWhole) {
        if (complete) return false;
        return upstream != null ? upstream.isWritable()
                : holdingWhole || pending == null || pending.bytes() < MAX_PENDING_BYTES;
    }

    /** A piece of the body arrived; {@code upstream} is the request's sender once it has a connection. */
    void arrived(HttpContent content, UpstreamRequest upstream) {
        if (content.decoderResult().isFailure()) {
            content.release();
            Throwable cause = content.decoderResult().cause();
            exchange.bodyFailed(HeadCheck.kindOf(cause), cause.getMessage() == null ? cause.getClass().getSimpleName()
                    : cause.getMessage());
            return;
        }
        bytes += content.content().readableBytes();
        if (content instanceof LastHttpContent last) {
            complete = true;
            if (!last.trailingHeaders().isEmpty()) {
                // Request trailers are dropped, as nginx does: a node that merges them into the head
                // would otherwise take a client's X-Consumer-Id or Host from them.
                content = new DefaultLastHttpContent(last.content());
            }
        }
        if (bytes > maxBytes) {
            content.release();
            exchange.bodyFailed(Problems.Kind.BODY_TOO_LARGE, "the body exceeds the limit of " + maxBytes + " bytes");
            return;
        }
        if (base64 != null) {
            content = decoded(content);
            if (content == null) return;
        }
        Channel ch = upstream == null ? null : upstream.channel();
        if (ch == null) {
            if (pending == null) pending = new PendingBody();
            pending.add(content);
            if (edit != null && pending.bytes() > edit.maxBytes()) {
                exchange.bodyFailed(Problems.Kind.BODY_TOO_LARGE, "the body exceeds the limit of " + edit.maxBytes()
                        + " bytes for a body this route edits (transform request maxBodyBytes)");
            }
            return;
        }
        if (!upstream.write(content)) {
            down.readMore(); // pauses the client until the node catches up
        }
    }

    /** {@code content} with its base64 decoded, or null when it is not base64 (the exchange failed). */
    private HttpContent decoded(HttpContent content) {
        try {
            io.netty.buffer.ByteBuf bytes = base64.decode(content.content(), down.alloc());
            if (!(content instanceof LastHttpContent)) return new io.netty.handler.codec.http.DefaultHttpContent(bytes);
            try {
                base64.end();
            } catch (IllegalArgumentException e) {
                bytes.release();
                throw e;
            }
            return new DefaultLastHttpContent(bytes);
        } catch (IllegalArgumentException e) {
            exchange.bodyFailed(Problems.Kind.MALFORMED, e.getMessage());
            return null;
        }
    }

    /** Writes what was queued before the connection was lent. */
    void writePending(UpstreamRequest upstream, Channel ch) {
        if (pending != null) pending.writeTo(upstream, ch, down::readMore);
    }

    /**
     * Replaces the held body with its edited form and fixes the head's framing to match.
     *
     * @throws IllegalArgumentException when the edit refuses the body (its message is for the client)
     */
    void applyEdit(HttpHeaders head, PolicyCall call) {
        if (pending == null) pending = new PendingBody();
        CompositeByteBuf whole = pending.takeWhole(down.alloc());
        byte[] edited;
        try {
            edited = edit.apply(whole, call);
        } finally {
            whole.release();
        }
        head.remove(HttpHeaderNames.TRANSFER_ENCODING);
        head.setInt(HttpHeaderNames.CONTENT_LENGTH, edited.length);
        pending.hold(edited);
        present = true;
    }

    /**
     * A client read ended: a body still incomplete now is watched from the head's arrival on (a body
     * that came with its head, the common case, costs no timer). Only time in which the gateway was
     * reading counts (not time it paused the client for a slow node), and only once the grace has
     * passed is the average rate held to the minimum.
     */
    void readEnded(long headNanos) {
        if (rateTimer != null || !present || complete || !rate.enabled()) return;
        rateTick = headNanos;
        rateTimer = down.loop().scheduleAtFixedRate(this::checkRate, 1, 1, TimeUnit.SECONDS);
    }

    private void checkRate() {
        if (complete || exchange.done()) {
            stopRateTimer();
            return;
        }
        long now = LoopClock.nanoTime(down.loop());
        if (exchange.wantsRequestBytes()) rateClock += now - rateTick;
        rateTick = now;
        if (rateClock <= rate.grace().toNanos()) return;
        if (bytes >= rate.bytesPerSecond() * (rateClock / 1e9)) return;
        exchange.bodyFailed(Problems.Kind.BODY_TIMEOUT, "the request body arrived slower than " + rate.bytesPerSecond()
                + " bytes/s (server.limits.minRequestBodyRate)");
    }

    private void stopRateTimer() {
        if (rateTimer != null) {
            rateTimer.cancel(false);
            rateTimer = null;
        }
    }

    /** The exchange ended: what is still queued is released. */
    void release() {
        stopRateTimer();
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
