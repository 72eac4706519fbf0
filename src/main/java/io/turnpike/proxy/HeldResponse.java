package io.turnpike.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.turnpike.core.PolicyCall;

/**
 * A response whose body a transform reshapes: its head and body held, bounded by the transform's
 * limit, until the body's end, then the head again with the reshaped body's length. It owns the
 * held body until it is reshaped or released.
 */
final class HeldResponse {
    private final HttpResponse head;
    private final io.turnpike.core.ResponseStep.BodyReshape shaper;
    private CompositeByteBuf body;

    HeldResponse(HttpResponse head, io.turnpike.core.ResponseStep.BodyReshape shaper, ByteBufAllocator alloc) {
        this.head = head;
        this.shaper = shaper;
        this.body = alloc.compositeBuffer();
    }

    /** The most body the transform holds ({@code transform maxBodyBytes}). */
    long limit() {
        return shaper.maxBytes();
    }

    /** Takes over {@code content}'s bytes; false (and nothing taken) when they would pass the limit. */
    boolean add(HttpContent content) {
        if (body.readableBytes() + (long) content.content().readableBytes() > shaper.maxBytes()) return false;
        body.addComponent(true, content.content());
        return true;
    }

    /**
     * Reshapes the held body and releases it; the head now describes the reshaped body, sent
     * whole with its length.
     */
    byte[] reshape(PolicyCall call) {
        byte[] shaped = shaper.apply(body, head.headers().get(HttpHeaderNames.CONTENT_ENCODING), call);
        release();
        HttpHeaders h = head.headers();
        h.remove(HttpHeaderNames.CONTENT_ENCODING);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, shaped.length);
        return shaped;
    }

    HttpResponse head() {
        return head;
    }

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
