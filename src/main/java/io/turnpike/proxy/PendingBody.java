package io.turnpike.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayDeque;

/**
 * The request body an exchange holds while no upstream connection can take it (the connection is
 * being made, or the body is held whole to be edited): kept in arrival order, counted, and
 * written on once a try's connection is there. It owns what it holds until then.
 */
final class PendingBody {
    private final ArrayDeque<HttpContent> chunks = new ArrayDeque<>(4);
    private int bytes;

    void add(HttpContent content) {
        chunks.add(content);
        bytes += content.content().readableBytes();
    }

    /** Body bytes held. */
    int bytes() {
        return bytes;
    }

    /**
     * Writes what is held on the try's connection {@code ch} while it stays the try's (a failed
     * write may end the try at once); {@code full} runs when the connection cannot take more.
     */
    void writeTo(UpstreamRequest upstream, Channel ch, Runnable full) {
        HttpContent c;
        while (upstream.channel() == ch && (c = chunks.poll()) != null) {
            bytes -= c.content().readableBytes();
            if (!upstream.write(c)) full.run();
        }
    }

    /** Everything held, as one buffer the caller releases; nothing is held after. */
    CompositeByteBuf takeWhole(ByteBufAllocator alloc) {
        CompositeByteBuf whole = alloc.compositeBuffer();
        HttpContent c;
        while ((c = chunks.poll()) != null) whole.addComponent(true, c.content());
        bytes = 0;
        return whole;
    }

    /** Holds {@code body} as the whole request body (after an edit). */
    void hold(byte[] body) {
        add(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
    }

    /** Releases what is still held (the exchange ended before it was sent). */
    void release() {
        HttpContent c;
        while ((c = chunks.poll()) != null) c.release();
        bytes = 0;
    }
}
