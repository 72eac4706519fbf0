package io.turnpike.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Turns a whole HTTP request into a call on a {@link SampleApi} and its reply into a JSON
 * response that names the node ({@code X-Served-By} and a {@code node} field).
 * Stateless, so one instance serves every connection of a node.
 */
@ChannelHandler.Sharable
final class SampleHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVED_BY = "X-Served-By";

    private final String node;
    private final SampleApi api;

    SampleHandler(String node, SampleApi api) {
        this.node = node;
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            send(ctx, SampleReply.error(400, "malformed request"), false);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        SampleReply reply = uri.path().equals("/health")
                ? SampleReply.ok(SampleReply.object("status", "up"))
                : api.handle(request.method().name(), uri.path(), uri.parameters(),
                        request.content().toString(StandardCharsets.UTF_8));
        if (reply == null) reply = SampleReply.error(404, "no such path: " + uri.path());
        send(ctx, reply, HttpUtil.isKeepAlive(request));
    }

    private void send(ChannelHandlerContext ctx, SampleReply reply, boolean keepAlive) {
        Map<String, Object> body = reply.body();
        body.put("node", node);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("sample data is plain maps and lists", e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(SERVED_BY, node);
        if (reply.allow() != null) response.headers().set(HttpHeaderNames.ALLOW, reply.allow());
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A sample has nobody to report to; a broken connection is simply dropped.
        ctx.close();
    }
}
