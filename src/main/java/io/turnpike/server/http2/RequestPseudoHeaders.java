package io.turnpike.server.http2;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * The first handler of a client's stream: its request head must carry the pseudo-headers RFC 9113
 * 8.3.1 requires (a {@code :method}; {@code :scheme} and a non-empty {@code :path} unless it is a
 * plain CONNECT, which has an {@code :authority} instead), else the request is malformed and the
 * stream is reset with PROTOCOL_ERROR before anything reads it. The codec already refuses repeated,
 * unknown and misplaced pseudo-headers, upper-case names and connection-specific fields; it lets
 * missing ones through, and the HTTP/1.1 view of the request would then guess them. Trailers are
 * not looked at: once the head has passed, the handler leaves the pipeline. It keeps no state: one
 * instance serves every stream.
 */
@io.netty.channel.ChannelHandler.Sharable
public final class RequestPseudoHeaders extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2HeadersFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String missing = missing(frame.headers());
        if (missing == null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        io.netty.util.ReferenceCountUtil.release(msg);
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR)).addListener(ChannelFutureListener.CLOSE);
    }

    /** What the head lacks, or null when it is whole. */
    static String missing(Http2Headers h) {
        CharSequence method = h.method();
        if (method == null) return ":method";
        if ("CONNECT".contentEquals(method) && h.get(":protocol") == null) {
            return h.authority() == null ? ":authority" : h.scheme() != null || h.path() != null ? "no :scheme or :path" : null;
        }
        if (h.scheme() == null) return ":scheme";
        if (h.path() == null || h.path().length() == 0) return ":path";
        return null;
    }
}
