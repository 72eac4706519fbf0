package io.turnpike.upstream.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.ServiceTls;
import io.turnpike.upstream.TlsHandshakeFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One health check request: a GET on a connection of its own, over the node's TLS when its service
 * has one (the same context, SNI and verification as proxied traffic). Completes with the status
 * of the answer's head, or with why there was none within the timeout.
 */
final class HealthProbe {
    private final Bootstrap bootstrap;

    HealthProbe(EventLoopGroup group) {
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    CompletableFuture<Integer> get(Node node, String path, Duration timeout) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        ServiceTls tls = node.tls();
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc(), node, millis));
                        ch.pipeline().addLast(new HttpClientCodec(), new Answer(result, node, tls));
                    }
                })
                .connect(node.address());
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            Channel ch = f.channel();
            var timer = ch.eventLoop().schedule(() -> {
                result.completeExceptionally(new TimeoutException("no answer within " + millis + " ms"));
            }, millis, TimeUnit.MILLISECONDS);
            result.whenComplete((status, err) -> {
                timer.cancel(false);
                ch.close();
            });
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                    Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, node.hostHeader())
                    .set(HttpHeaderNames.USER_AGENT, "turnpike-health-check")
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ch.writeAndFlush(req, ch.voidPromise()); // written by the SslHandler once the handshake is done
        });
        return result;
    }

    private static boolean sslCause(Throwable t) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t instanceof javax.net.ssl.SSLException) return true;
        }
        return false;
    }

    /** Reads the answer's head and drops the rest; any failure before it fails the check. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Integer> result;
        private final Node node;
        private final ServiceTls tls;

        Answer(CompletableFuture<Integer> result, Node node, ServiceTls tls) {
            this.result = result;
            this.node = node;
            this.tls = tls;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse res) {
                result.complete(res.decoderResult().isSuccess() ? res.status().code() : -1);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                result.completeExceptionally(TlsHandshakeFailure.of(node, tls.nameFor(node), e.cause()));
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IOException("the node closed the connection without answering"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean handshake = tls != null && !result.isDone() && sslCause(cause);
            result.completeExceptionally(handshake ? TlsHandshakeFailure.of(node, tls.nameFor(node), cause) : cause);
            ctx.close();
        }
    }
}
