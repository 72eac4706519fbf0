package io.turnpike.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder with the lenient corners closed, because a gateway and the server
 * behind it must never disagree on where one request ends (request smuggling).
 *
 * <ul>
 *   <li>Content-Length together with Transfer-Encoding is an error (Netty would drop the length).</li>
 *   <li>obs-fold (a header line starting with space or tab) is an error (Netty would join it).</li>
 * </ul>
 * Netty itself already rejects duplicate or non-numeric Content-Length, a Transfer-Encoding whose
 * last coding is not chunked, bad header names and values, and over-long lines and header blocks.
 * After the first error everything else on the connection is discarded; the handler closes it.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    private final int scanLimit;
    private final Runnable onHeadBytes;
    private boolean atHeaders = true;
    private boolean failed;

    /** @param onHeadBytes told when bytes of a new request head arrive (its header clock starts) */
    StrictRequestDecoder(HttpDecoderConfig config, Runnable onHeadBytes) {
        super(config);
        this.scanLimit = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
        this.onHeadBytes = onHeadBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (atHeaders && in.isReadable()) {
            onHeadBytes.run();
        }
        if (atHeaders && hasObsFold(in, scanLimit)) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(invalid(new IllegalArgumentException("obs-fold (a header line starting with whitespace)")));
            return;
        }
        int before = out.size();
        super.decode(ctx, in, out);
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage m && m.decoderResult().isFailure()
                    || o instanceof LastHttpContent c && c.decoderResult().isFailure()) {
                failed = true;
            }
            if (o instanceof LastHttpContent) {
                atHeaders = true;
            } else if (o instanceof HttpMessage) {
                atHeaders = false;
            }
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding");
    }

    /**
     * Looks at the (possibly partial) header block at the reader index for a line that begins
     * with SP or HTAB. Leading empty lines before the request line are skipped, as the decoder does.
     */
    static boolean hasObsFold(ByteBuf in, int limit) {
        int i = in.readerIndex();
        int end = Math.min(in.writerIndex(), i + limit);
        while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
            i++;
        }
        boolean lineStart = false;
        boolean lineEmpty = true;
        for (; i < end; i++) {
            byte b = in.getByte(i);
            if (lineStart) {
                if (b == ' ' || b == '\t') {
                    return true;
                }
                lineStart = false;
            }
            if (b == '\n') {
                if (lineEmpty) {
                    return false; // end of the header block
                }
                lineStart = true;
                lineEmpty = true;
            } else if (b != '\r') {
                lineEmpty = false;
            }
        }
        return false;
    }

    private static DefaultFullHttpRequest invalid(Exception cause) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request",
                Unpooled.EMPTY_BUFFER);
        req.setDecoderResult(DecoderResult.failure(cause));
        return req;
    }
}
