package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.turnpike.config.Limits;
import io.turnpike.server.http1.ServerCodec;
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
        Http1Connection handler = new Http1Connection(context, limits);
        ch.pipeline()
          .addLast("codec", new ServerCodec(cfg, limits, handler::bytesArrived))
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
