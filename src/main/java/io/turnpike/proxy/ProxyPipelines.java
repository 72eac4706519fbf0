package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.turnpike.config.Limits;
import io.turnpike.server.ServerCodec;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.UpstreamPipeline;
import java.util.concurrent.TimeUnit;

/** The two pipelines of the proxy: client connections and upstream connections. */
public final class ProxyPipelines {
    private ProxyPipelines() {}

    /** Sets up an accepted client connection. */
    public static void initClient(Channel ch, ProxyContext context, Limits limits) {
        HttpDecoderConfig cfg = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(16 * 1024)
                .setStrictLineParsing(true)
                .setValidateHeaders(true);
        ClientHandler handler = new ClientHandler(context, limits);
        ch.pipeline()
          .addLast("activity", new ByteActivity(handler))
          .addLast("codec", new ServerCodec(cfg))
          .addLast("proxy", handler);
    }

    /** Upstream connections: the HTTP client codec, idle eviction while pooled, the relay. */
    public static UpstreamPipeline upstream() {
        return (Channel ch, NodePool owner) -> {
            HttpDecoderConfig cfg = new HttpDecoderConfig()
                    .setMaxInitialLineLength(8 * 1024)
                    .setMaxHeaderSize(64 * 1024)
                    .setMaxChunkSize(16 * 1024)
                    .setValidateHeaders(true);
            ch.pipeline()
              .addLast("codec", new HttpClientCodec(cfg, false, false))
              .addLast("idle", new IdleStateHandler(0, 0, owner.idleTimeoutMillis(), TimeUnit.MILLISECONDS))
              .addLast("relay", new UpstreamHandler(owner));
        };
    }

    /** Tells the client handler that raw bytes arrived, before the decoder sees them. */
    private static final class ByteActivity extends ChannelInboundHandlerAdapter {
        private final ClientHandler handler;

        ByteActivity(ClientHandler handler) {
            this.handler = handler;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf) {
                handler.bytesArrived();
            }
            ctx.fireChannelRead(msg);
        }
    }
}
