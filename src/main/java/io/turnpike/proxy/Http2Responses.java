package io.turnpike.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * On an HTTP/2 stream to a node, after the frame-to-HTTP/1 codec: makes its responses look like
 * what the HTTP/1.1 client codec gives the engine. A response that ends in its HEADERS (a gRPC
 * trailers-only answer, a 204, a 1xx) comes as a head and then its end, never as one message,
 * and the codec's {@code x-http2-stream-id} is not the client's business.
 */
final class Http2Responses extends ChannelInboundHandlerAdapter {
    private static final String STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text().toString();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse res) {
            res.headers().remove(STREAM_ID);
            if (msg instanceof FullHttpResponse full) {
                ctx.fireChannelRead(new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
                ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
