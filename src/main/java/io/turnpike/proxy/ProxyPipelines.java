package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.turnpike.config.Http2Settings;
import io.turnpike.config.Limits;
import io.turnpike.server.http1.ServerCodec;
import io.turnpike.server.http2.PriorKnowledge;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.UpstreamPipeline;
import java.util.concurrent.TimeUnit;

/** The two pipelines of the proxy: client connections and upstream connections. */
public final class ProxyPipelines {
    private ProxyPipelines() {}

    /** Sets up an accepted client connection: HTTP/1.1 only. */
    public static void initClient(Channel ch, ProxyContext context, Limits limits) {
        http1(ch.pipeline(), context, limits);
    }

    /**
     * Sets up an accepted plaintext client connection: with HTTP/2 on, a client that opens with the
     * HTTP/2 preface (prior knowledge) speaks h2c, any other HTTP/1.1.
     */
    public static void initClient(Channel ch, ProxyContext context, Limits limits, Http2Settings h2) {
        if (!h2.enabled()) {
            http1(ch.pipeline(), context, limits);
            return;
        }
        ch.pipeline().addLast("protocol", new PriorKnowledge(p -> http1(p, context, limits),
                p -> Http2Connection.install(p, context, limits, h2), limits.headerTimeout()));
    }

    /** The HTTP/2 handlers, for a connection whose protocol is known to be h2 (ALPN). */
    public static void http2(ChannelPipeline p, ProxyContext context, Limits limits, Http2Settings h2) {
        Http2Connection.install(p, context, limits, h2);
    }

    /** The HTTP/1.1 handlers. */
    public static void http1(ChannelPipeline p, ProxyContext context, Limits limits) {
        HttpDecoderConfig cfg = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(16 * 1024)
                .setStrictLineParsing(true)
                .setValidateHeaders(true);
        Http1Connection handler = new Http1Connection(context, limits);
        p.addLast("codec", new ServerCodec(cfg, limits, handler::bytesArrived))
         .addLast("proxy", handler);
    }

    /**
     * Upstream connections: the HTTP client codec, idle eviction while pooled, the relay. An HTTP/2
     * stream gets a codec between its frames and HTTP/1 objects instead (its connection idles in
     * its pool, not the stream), so the engine drives a stream as it drives a connection.
     */
    public static UpstreamPipeline upstream() {
        return (Channel ch, NodePool owner) -> {
            if (ch instanceof Http2StreamChannel) {
                ch.pipeline()
                  .addLast("codec", new Http2StreamFrameToHttpObjectCodec(false, true))
                  .addLast("responses", new Http2Responses())
                  .addLast("relay", new UpstreamHandler(owner));
                return;
            }
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
