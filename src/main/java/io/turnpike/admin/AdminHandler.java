package io.turnpike.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Netty glue for the admin listener: an aggregated request in, one {@link AdminReply} out. */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminApi api;

    AdminHandler(AdminApi api) {
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        AdminReply answer;
        if (!req.decoderResult().isSuccess()) {
            answer = AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "malformed-request", "Malformed request",
                    "the request could not be parsed");
        } else {
            String body = req.content().toString(StandardCharsets.UTF_8);
            try {
                List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
                List<String> origins = req.headers().getAll(HttpHeaderNames.ORIGIN);
                List<String> ifMatch = req.headers().getAll(HttpHeaderNames.IF_MATCH);
                answer = api.handle(new AdminApi.Request(req.method(), req.uri(),
                        req.headers().get(HttpHeaderNames.AUTHORIZATION), body, req.headers().get(HttpHeaderNames.ACCEPT),
                        hosts.size() == 1 ? hosts.get(0) : null, origins.isEmpty() ? null : String.join(", ", origins),
                        req.headers().get(HttpHeaderNames.CONTENT_TYPE), ifMatch.isEmpty() ? null : String.join(", ", ifMatch)));
            } catch (RuntimeException e) {
                // Never the request body or headers in the log: they may hold the token or secrets.
                log.error("admin API: {} {} failed: {}", req.method(), new QueryStringDecoder(req.uri()).path(), e.toString());
                answer = AdminReply.problem(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error",
                        "Internal error", e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
        ByteBuf content = Unpooled.copiedBuffer(answer.body(), StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), answer.status(), content);
        if (answer.contentType() != null) res.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        answer.headers().forEach(res.headers()::set);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(res, content.readableBytes());
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection failed: {}", cause.toString());
        ctx.close();
    }
}
