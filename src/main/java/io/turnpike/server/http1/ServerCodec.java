package io.turnpike.server.http1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.turnpike.config.Limits;
import io.turnpike.core.LoopClock;

/**
 * The client-side HTTP/1.1 codec: the strict request decoder plus a response encoder that is told
 * when the response answers a HEAD request (so it writes no body framing).
 */
public final class ServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, ServerCodec.Encoder> {

    /**
     * @param limits      the header-field count and underscore rule the decoder enforces
     * @param onHeadBytes told when bytes of a new request head arrive
     */
    public ServerCodec(HttpDecoderConfig config, Limits limits, Runnable onHeadBytes) {
        init(new StrictRequestDecoder(config, limits, onHeadBytes), new Encoder());
    }

    /** Everything a read of the client's bytes causes sees one time ({@link LoopClock}). */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        LoopClock.enter(ctx.executor());
        try {
            super.channelRead(ctx, msg);
        } finally {
            LoopClock.exit();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        LoopClock.enter(ctx.executor());
        try {
            super.channelReadComplete(ctx);
        } finally {
            LoopClock.exit();
        }
    }

    /** Marks the next response head as answering HEAD; call right before writing it. */
    public void nextResponseForHead(boolean head) {
        outboundHandler().head = head;
    }

    static final class Encoder extends HttpResponseEncoder {
        private boolean head;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            boolean empty = super.isContentAlwaysEmpty(msg);
            if (msg.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL) {
                return empty;
            }
            boolean h = head;
            head = false;
            return h || empty;
        }
    }
}
