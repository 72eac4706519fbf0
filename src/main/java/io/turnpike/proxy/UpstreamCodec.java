package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.turnpike.server.http1.RawHead;
import io.turnpike.server.http1.RawHeaders;
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
    /** The node sent bytes past the end of a final response: the connection must not carry another request. */
    private boolean overran;
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

    /** True once the node sent more than a response's framing said: not to be reused. */
    boolean overran() {
        return overran;
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

        /** A client's head read into offsets goes out as the bytes it came as, edits aside. */
        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (headers instanceof RawHeaders raw) {
                raw.encode(buf);
            } else {
                super.encodeHeaders(headers, buf);
            }
        }
    }

    /**
     * Netty's response decoder, except that a plain response framed by its Content-Length is read
     * into offsets over its bytes ({@link RawHead}), while Netty's decoder waits between messages;
     * everything else (chunked, read to the close, 1xx, 204, 304, the answer to a HEAD, anything
     * unusual in the head) Netty decodes whole.
     */
    private final class Decoder extends HttpResponseDecoder {
        private final RawHead raw;
        /** Netty's decoder is between messages: a head may be read by {@link #raw}. */
        private boolean nettyIdle = true;
        /** Netty's decoder failed: it discards the rest, and so nothing else may read it. */
        private boolean broken;

        Decoder(HttpDecoderConfig config) {
            super(config);
            this.raw = new RawHead(config);
        }

        /**
         * One message part, and a check on what follows a final response's end: bytes the node
         * sent beyond its framing (a body longer than its Content-Length, a body after a HEAD's
         * answer or a 204) are not the next response, and the connection is not used again. Left
         * in place, they would be read as the answer to whichever request the connection carried
         * next, perhaps another client's. Bytes that come while no request is waiting for an
         * answer (in the same read as the response, or later, while the connection idles in its
         * pool, even half a head that no message comes of yet) close the connection.
         */
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (awaiting.isEmpty() && nettyIdle && !raw.readingBody() && in.isReadable()) {
                overran = true;
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            int before = out.size();
            decodePart(ctx, in, out);
            if (in.isReadable() && out.size() > before && awaiting.isEmpty()
                    && out.get(out.size() - 1) instanceof LastHttpContent) {
                overran = true;
            }
        }

        private void decodePart(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (raw.readingBody()) {
                raw.readBody(in, out);
                return;
            }
            if (nettyIdle && !broken && readRawHead(in, out)) return;
            int before = out.size();
            int readable = in.readableBytes();
            super.decode(ctx, in, out);
            if (out.size() > before) {
                for (int i = before; i < out.size(); i++) {
                    Object o = out.get(i);
                    if (o instanceof HttpResponse r && r.decoderResult().isSuccess()
                            && (r.status().code() < 100 || r.status().code() > 599)) {
                        // RFC 9110 15: three digits, 100 to 599; "HTTP/1.1 2000" is not passed on
                        r.setDecoderResult(DecoderResult.failure(
                                new IllegalArgumentException("status code out of range: " + r.status().code())));
                    }
                    if (o instanceof DecoderResultProvider p && p.decoderResult().isFailure()) broken = true;
                }
                nettyIdle = out.get(out.size() - 1) instanceof LastHttpContent;
            } else if (in.readableBytes() != readable) {
                nettyIdle = false; // in the middle of a head
            }
        }

        private boolean readRawHead(ByteBuf in, List<Object> out) {
            HttpMethod method = awaiting.peek();
            if (method == null || HttpMethod.HEAD.equals(method) || !in.isReadable()) return false;
            int end = raw.headEnd(in, in.readerIndex());
            if (end < 0) return false;
            HttpResponse response = raw.response(in, in.readerIndex(), end);
            if (response == null) return false;
            awaiting.poll();
            in.readerIndex(end);
            out.add(response);
            raw.beginBody(in, out);
            return true;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // not the request's answer: that follows
            }
            boolean empty = HttpMethod.HEAD.equals(awaiting.poll()) || super.isContentAlwaysEmpty(msg);
            if (!empty) checkTransferEncoding(msg.headers());
            return empty;
        }

        /**
         * A body framed by any transfer coding but {@code chunked} alone ({@code gzip}, read to the
         * close; {@code gzip, chunked}) is refused: the gateway decodes only chunked, and passed on,
         * the other coding's bytes would reach the client unlabelled. nginx refuses them too. Thrown
         * here, the failure becomes the head's decoder result, and so a 502.
         */
        private static void checkTransferEncoding(HttpHeaders h) {
            List<String> fields = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (fields.isEmpty() || fields.size() == 1 && fields.get(0).strip().equalsIgnoreCase("chunked")) return;
            throw new IllegalArgumentException("the node's Transfer-Encoding is not chunked alone: " + String.join(", ", fields));
        }
    }
}
