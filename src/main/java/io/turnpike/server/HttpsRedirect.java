package io.turnpike.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.core.Problems;
import io.turnpike.server.http1.LingeringClose;
import java.util.regex.Pattern;

/**
 * The plaintext listener under {@code server.tls.redirectHttp}: every request is answered 308 to
 * the same host on the TLS port, with the same path and query (308 keeps the method and body).
 * Nothing is proxied in plaintext; the connection closes after the answer.
 */
final class HttpsRedirect extends ChannelInboundHandlerAdapter {
    /** A DNS name, IPv4 address or bracketed IPv6 address, with an optional port: nothing that could forge a URL. */
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+])(:[0-9]{1,5})?");

    private final int tlsPort;
    private boolean answered;

    HttpsRedirect(int tlsPort) {
        this.tlsPort = tlsPort;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (answered || !(msg instanceof HttpRequest req)) return;
            answered = true;
            FullHttpResponse res = answer(ctx, req);
            res.headers().set(HttpHeaderNames.CONNECTION, "close");
            LingeringClose.after(ctx.channel(), ctx.writeAndFlush(res));
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a read timeout, a reset: nothing to answer
    }

    private FullHttpResponse answer(ChannelHandlerContext ctx, HttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        String target = req.uri();
        if (target.startsWith("http://") || target.startsWith("https://")) {
            // absolute-form: its authority is the host, its path the rest
            int start = target.indexOf("//") + 2;
            int slash = target.indexOf('/', start);
            host = target.substring(start, slash < 0 ? target.length() : slash);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        if (req.decoderResult().isFailure() || host == null || !HOST.matcher(host).matches()
                || !target.startsWith("/") || target.startsWith("//")) {
            return Problems.response(ctx.alloc(), HttpVersion.HTTP_1_1, Problems.Kind.MALFORMED,
                    "a request to redirect to https needs a Host and an origin-form target", null);
        }
        String name = host.endsWith("]") || host.indexOf(':') < 0 ? host : host.substring(0, host.lastIndexOf(':'));
        String location = "https://" + name + (tlsPort == 443 ? "" : ":" + tlsPort) + target;
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT);
        res.headers().set(HttpHeaderNames.LOCATION, location).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return res;
    }
}
