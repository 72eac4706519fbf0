package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.turnpike.config.Limits;
import io.turnpike.server.http1.ServerCodec;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.UpstreamPipeline;
import java.util.concurrent.TimeUnit;

/** The two pipelines of the proxy: client connections and upstream connections. */
public final class ProxyPipelines {
    private ProxyPipelines() {}

    /** Sets up an accepted plaintext client connection. */
    public static void initClient(Channel ch, ProxyContext context, Limits limits) {
        initClient(ch, context, limits, false);
    }

    /** Sets up an accepted client connection; {@code tls}: it arrives through the TLS listener's handlers. */
    public static void initClient(Channel ch, ProxyContext context, Limits limits, boolean tls) {
        HttpDecoderConfig cfg = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(16 * 1024)
                .setStrictLineParsing(true)
                .setValidateHeaders(true);
        ClientHandler handler = new ClientHandler(context, limits, tls);
        ch.pipeline()
          .addLast("codec", new ServerCodec(cfg, limits, handler::bytesArrived))
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
}
