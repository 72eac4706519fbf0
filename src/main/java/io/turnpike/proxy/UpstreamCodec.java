package io.turnpike.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of an upstream connection: Netty's request encoder and response decoder as
 * two handlers (a combined handler adds a layer of delegation to every read, write and flush),
 * sharing the methods of the requests sent, so that the answer to a HEAD is read without a body.
 * An informational response (1xx) takes no method: its request's final response follows it.
 *
 * <p>Unlike Netty's {@code HttpClientCodec} it has no mode in which a 2xx to a CONNECT turns the
 * rest of the connection into raw bytes: the gateway never forwards CONNECT
 * ({@link Exchange}), and if a node answered one anyway, what followed would be read as HTTP and
 * fail there, instead of reaching the relay as bytes it does not expect.
 */
final class UpstreamCodec {
    static final String DECODER = "codec";
    static final String ENCODER = "encoder";

    /** The methods of the requests written whose final responses have not been read yet. */
    private final ArrayDeque<HttpMethod> awaiting = new ArrayDeque<>(2);
    private final Decoder decoder;
    private final Encoder encoder = new Encoder();

    UpstreamCodec(HttpDecoderConfig config) {
        this.decoder = new Decoder(config);
    }

    ChannelPipeline addTo(ChannelPipeline p) {
        return p.addLast(DECODER, decoder).addLast(ENCODER, encoder);
    }

    /** The codec in {@code p}, or null. */
    static UpstreamCodec in(ChannelPipeline p) {
        Encoder e = p.get(Encoder.class);
        return e == null ? null : e.codec();
    }

    /** Takes the encoder out: what is written from now on goes to the node as it is. */
    void removeEncoder(ChannelPipeline p) {
        p.remove(encoder);
    }

    /** Takes the decoder out; bytes it read but did not decode go on to the next handler. */
    void removeDecoder(ChannelPipeline p) {
        p.remove(decoder);
    }

    private final class Encoder extends HttpRequestEncoder {
        UpstreamCodec codec() {
            return UpstreamCodec.this;
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest r) awaiting.offer(r.method());
            super.encode(ctx, msg, out);
        }
    }

    private final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // not the request's answer: that follows
            }
            return HttpMethod.HEAD.equals(awaiting.poll()) || super.isContentAlwaysEmpty(msg);
        }
    }
}
