package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.turnpike.config.Http2Settings;
import io.turnpike.config.Limits;
import io.turnpike.server.http1.ServerCodec;
import io.turnpike.server.http2.PriorKnowledge;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.UpstreamPipeline;

/** The two pipelines of the proxy: client connections and upstream connections. */
public final class ProxyPipelines {
    private ProxyPipelines() {}

    /** Sets up an accepted plaintext client connection: HTTP/1.1 only. */
    public static void initClient(Channel ch, ProxyContext context, Limits limits) {
        http1(ch.pipeline(), context, limits, false);
    }

    /**
     * Sets up an accepted plaintext client connection: with HTTP/2 on, a client that opens with the
     * HTTP/2 preface (prior knowledge) speaks h2c, any other HTTP/1.1.
     */
    public static void initClient(Channel ch, ProxyContext context, Limits limits, Http2Settings h2) {
        if (!h2.enabled()) {
            http1(ch.pipeline(), context, limits, false);
            return;
        }
        ch.pipeline().addLast("protocol", new PriorKnowledge(p -> http1(p, context, limits, false),
                p -> Http2Connection.install(p, context, limits, h2), limits.headerTimeout()));
    }

    /**
     * Sets up a client connection of the TLS listener, after its TLS handlers: once the handshake
     * is done, the protocol ALPN agreed on ({@code h2}, else HTTP/1.1).
     */
    public static void initTlsClient(Channel ch, ProxyContext context, Limits limits, Http2Settings h2) {
        ch.pipeline().addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (ApplicationProtocolNames.HTTP_2.equals(protocol) && h2.enabled()) {
                    Http2Connection.install(ctx.pipeline(), context, limits, h2);
                } else {
                    http1(ctx.pipeline(), context, limits, true);
                }
                ctx.fireChannelActive(); // the handlers just added were not there when the channel became active
            }
        });
    }

    /** The HTTP/1.1 handlers; {@code tls}: the connection came through the TLS listener. */
    public static void http1(ChannelPipeline p, ProxyContext context, Limits limits, boolean tls) {
        HttpDecoderConfig cfg = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxUriBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(16 * 1024)
                .setStrictLineParsing(true)
                .setValidateHeaders(true)
                .setTrailersFactory(LazyTrailers.FACTORY);
        Http1Connection handler = new Http1Connection(context, limits, tls);
        new ServerCodec(cfg, limits, handler::bytesArrived).addTo(p)
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
                  .addLast("relay", new UpstreamHandler(owner, 0, null));
                return;
            }
            HttpDecoderConfig cfg = new HttpDecoderConfig()
                    .setMaxInitialLineLength(8 * 1024)
                    .setMaxHeaderSize(64 * 1024)
                    .setMaxChunkSize(16 * 1024)
                    .setValidateHeaders(true)
                    .setTrailersFactory(LazyTrailers.FACTORY);
            UpstreamCodec codec = new UpstreamCodec(cfg);
            codec.addTo(ch.pipeline())
              // Reader idle only (kept by the relay): a pooled connection neither reads nor writes,
              // and watching writes would cost a promise and a listener on every write of every request.
              .addLast("relay", new UpstreamHandler(owner, owner.idleTimeoutMillis(), codec));
        };
    }
}
