package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.turnpike.config.Limits;

/**
 * The client-side HTTP/1.1 codec: the strict request decoder plus a response encoder that is told
 * when the response answers a HEAD request (so it writes no body framing). They sit in the
 * pipeline as two handlers rather than one combined handler, which would add a layer of
 * delegation to every read, write and flush of every request.
 */
public final class ServerCodec {
    /** The decoder's name in the pipeline. */
    public static final String DECODER = "codec";
    /** The encoder's name in the pipeline. */
    public static final String ENCODER = "encoder";

    private final StrictRequestDecoder decoder;
    private final Encoder encoder;

    /**
     * @param limits      the header-field count and underscore rule the decoder enforces
     * @param onHeadBytes told when bytes of a new request head arrive
     */
    public ServerCodec(HttpDecoderConfig config, Limits limits, Runnable onHeadBytes) {
        this.decoder = new StrictRequestDecoder(config, limits, onHeadBytes);
        this.encoder = new Encoder(this);
    }

    /** Adds the decoder and then the encoder at the end of {@code p}. */
    public ChannelPipeline addTo(ChannelPipeline p) {
        return p.addLast(DECODER, decoder).addLast(ENCODER, encoder);
    }

    /** The codec in {@code p}, or null. */
    public static ServerCodec in(ChannelPipeline p) {
        Encoder e = p.get(Encoder.class);
        return e == null ? null : e.codec;
    }

    /** Marks the next response head as answering HEAD; call right before writing it. */
    public void nextResponseForHead(boolean head) {
        encoder.head = head;
    }

    /**
     * Decodes no further request head until {@link #releaseHeads}: pipelined requests wait as the
     * bytes they came as (see {@link StrictRequestDecoder#hold}).
     */
    public void holdHeads() {
        decoder.hold();
    }

    /** Lets the next request head be decoded, the bytes already read included; {@code p} holds this codec. */
    public void releaseHeads(ChannelPipeline p) {
        if (!decoder.held()) return;
        var ctx = p.context(decoder);
        if (ctx != null) decoder.release(ctx);
    }

    /** Takes the encoder out: what is written from now on goes to the socket as it is. */
    public void removeEncoder(ChannelPipeline p) {
        p.remove(encoder);
    }

    /** Takes the decoder out; bytes it read but did not decode go on to the next handler. */
    public void removeDecoder(ChannelPipeline p) {
        p.remove(decoder);
    }

    static final class Encoder extends HttpResponseEncoder {
        private final ServerCodec codec;
        private boolean head;

        Encoder(ServerCodec codec) {
            this.codec = codec;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            boolean empty = super.isContentAlwaysEmpty(msg);
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return empty;
            }
            boolean h = head;
            head = false;
            return h || empty;
        }

        /** A node's head read into offsets goes out as the bytes it came as, edits aside. */
        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (headers instanceof RawHeaders raw) {
                raw.encode(buf);
            } else {
                super.encodeHeaders(headers, buf);
            }
        }
    }
}
