package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.AsciiString;
import io.turnpike.config.Limits;
import io.turnpike.core.LoopClock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Netty's request decoder with the lenient corners closed, because a gateway and the server
 * behind it must never disagree on where one request ends (request smuggling) or on which
 * headers it carries.
 *
 * <ul>
 *   <li>Content-Length together with Transfer-Encoding is an error (Netty would drop the length).</li>
 *   <li>obs-fold (a header line starting with space or tab) is an error (Netty would join it).</li>
 *   <li>More header fields than {@code server.limits.maxHeaders} is an error (431).</li>
 *   <li>A header name with an underscore is dropped, kept or an error, as
 *       {@code server.limits.headersWithUnderscores} says.</li>
 *   <li>Transfer-Encoding must be exactly {@code chunked}: another final coding is an error (400),
 *       codings before {@code chunked} are not implemented (501), and HTTP/1.0 has none (400).</li>
 * </ul>
 * Netty itself already rejects duplicate or non-numeric Content-Length, bad header names and
 * values, and over-long lines and header blocks. After the first error everything else on the
 * connection is discarded; the handler closes it.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    private final Runnable onHeadBytes;
    private final Limits.Underscores underscores;
    private final HeadScanner scanner;
    /** Null when the config's headers are not Netty's default kind: then Netty checks every field. */
    private final ScannedHeadValidation validation;
    /**
     * Reads plain heads (a body, if any, framed by one Content-Length) into offsets over their
     * bytes; null where the config's headers are not Netty's default kind.
     */
    private final RawHead raw;
    /** Bytes after the reader index the scanner has already seen (the head arrives in pieces). */
    private int scanned;
    private boolean atHeaders = true;
    private boolean failed;
    /** The next head stays in the read bytes, undecoded, until {@link #release} (see {@link #hold}). */
    private boolean held;

    /** @param onHeadBytes told when bytes of a new request head arrive (its header clock starts) */
    StrictRequestDecoder(HttpDecoderConfig config, Limits limits, Runnable onHeadBytes) {
        this(config, limits, onHeadBytes, ScannedHeadValidation.of(config));
    }

    private StrictRequestDecoder(HttpDecoderConfig config, Limits limits, Runnable onHeadBytes,
                                 ScannedHeadValidation validation) {
        super(validation == null ? config : validation.applyTo(config));
        this.validation = validation;
        this.onHeadBytes = onHeadBytes;
        this.underscores = limits.headersWithUnderscores();
        this.scanner = new HeadScanner(limits.maxHeaders(), underscores == Limits.Underscores.REJECT);
        this.raw = validation == null ? null : new RawHead(config);
    }

    /** Everything a read of the client's bytes causes sees one time ({@link LoopClock}). */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        LoopClock.enter(ctx.executor());
        try {
            super.channelRead(ctx, msg);
        } finally {
            LoopClock.exit();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        LoopClock.enter(ctx.executor());
        try {
            super.channelReadComplete(ctx);
        } finally {
            LoopClock.exit();
        }
    }

    /**
     * Decodes no further request head until {@link #release}: the bytes of pipelined requests stay
     * as they were read, instead of each becoming a request object that waits its turn. A client
     * that pipelines thousands of requests and reads no answer then costs what one read holds,
     * not a decoded request per request (which a few hundred such connections turned into a
     * gigabyte of heap). The body of a message under way is still decoded.
     */
    void hold() {
        held = true;
    }

    boolean held() {
        return held;
    }

    /**
     * Lets the next head be decoded again. Bytes read while heads were held are decoded at once
     * (on the event loop, after the caller's work), as if they had just arrived: the client may
     * have sent everything already, and no further read would come to decode them.
     */
    void release(ChannelHandlerContext ctx) {
        held = false;
        if (!internalBuffer().isReadable()) return;
        ctx.executor().execute(() -> {
            if (held || ctx.isRemoved() || !internalBuffer().isReadable()) return;
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
                channelReadComplete(ctx);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        });
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (raw != null && raw.readingBody()) {
            if (raw.readBody(in, out)) rawBodyEnded();
            return;
        }
        if (held && atHeaders) {
            return; // nothing consumed: the decoding loop stops, the bytes stay for release()
        }
        if (atHeaders && in.isReadable()) {
            onHeadBytes.run();
        }
        int scanEnd = -1;
        // The whole head arrived in this read, before Netty saw any of it: the usual case.
        boolean whole = atHeaders && scanner.fresh();
        if (atHeaders && !scanner.done()) {
            int from = in.readerIndex() + scanned;
            int stop = in.forEachByte(from, Math.max(0, in.writerIndex() - from), scanner);
            scanEnd = stop < 0 ? in.writerIndex() : stop + 1;
            if (scanner.problem() != HeadScanner.Problem.NONE) {
                fail(in, out, scanProblem());
                return;
            }
            if (whole && raw != null && scanner.ended() && scanner.clean() && !scanner.sawUnderscore()
                    && readRaw(in, scanEnd, out)) {
                return;
            }
        }
        int before = out.size();
        // Every header line Netty can complete in this call was scanned above (the scan runs to the
        // end of what arrived, or of the head): when all were clean, Netty's checks would pass them.
        boolean skipChecks = validation != null && atHeaders && scanner.clean();
        if (skipChecks) validation.skip(true);
        try {
            super.decode(ctx, in, out);
        } finally {
            if (skipChecks) validation.skip(false);
        }
        if (scanEnd >= 0) {
            scanned = Math.max(0, scanEnd - in.readerIndex()); // Netty consumed the complete lines
        }
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage m) {
                atHeaders = false;
                if (m.decoderResult().isFailure()) {
                    failed = true;
                } else if (scanner.sawUnderscore() && underscores == Limits.Underscores.DROP) {
                    dropUnderscored(m.headers());
                }
            }
            if (o instanceof LastHttpContent c) {
                if (c.decoderResult().isFailure()) {
                    failed = true;
                } else if (underscores != Limits.Underscores.ALLOW && !c.trailingHeaders().isEmpty()) {
                    checkTrailers(c);
                }
                atHeaders = true;
                scanner.reset();
                scanned = 0;
            }
        }
    }

    /**
     * A plain head read into offsets over its bytes instead of through Netty's decoder, which stays
     * at the start of a message while this decoder reads the body by its length; false to leave the
     * head to Netty.
     */
    private boolean readRaw(ByteBuf in, int headEnd, List<Object> out) {
        HttpRequest request = raw.request(in, in.readerIndex(), headEnd);
        if (request == null) return false;
        in.readerIndex(headEnd);
        out.add(request);
        atHeaders = false;
        if (raw.beginBody(in, out)) rawBodyEnded();
        return true;
    }

    /** The request {@link #raw} read has ended: the next bytes are a new head's. */
    private void rawBodyEnded() {
        atHeaders = true;
        scanner.reset();
        scanned = 0;
    }

    private Exception scanProblem() {
        return switch (scanner.problem()) {
            case OBS_FOLD -> new IllegalArgumentException("obs-fold (a header line starting with whitespace)");
            case TOO_MANY_FIELDS -> new TooLongHttpHeaderException(
                    "more than " + scanner.maxFields() + " header fields (server.limits.maxHeaders)");
            case UNDERSCORE_IN_NAME -> underscoreRejected();
            case NONE -> throw new IllegalStateException();
        };
    }

    private static IllegalArgumentException underscoreRejected() {
        return new IllegalArgumentException("a header name with an underscore (server.limits.headersWithUnderscores)");
    }

    private void fail(ByteBuf in, List<Object> out, Exception cause) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(invalid(cause));
    }

    /** Trailer fields follow the same rule as header fields: a REJECT fails the request's last part. */
    private void checkTrailers(LastHttpContent c) {
        if (underscores == Limits.Underscores.DROP) {
            dropUnderscored(c.trailingHeaders());
        } else if (firstUnderscored(c.trailingHeaders()) != null) {
            failed = true;
            c.setDecoderResult(DecoderResult.failure(underscoreRejected()));
        }
    }

    /** Runs only for a head whose bytes showed an underscore in some name. */
    static void dropUnderscored(HttpHeaders h) {
        CharSequence name;
        while ((name = firstUnderscored(h)) != null) {
            h.remove(name);
        }
    }

    private static CharSequence firstUnderscored(HttpHeaders h) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.indexOf(name, '_', 0) >= 0) return name;
        }
        return null;
    }

    /**
     * Netty calls this once the whole head is parsed and before it decides how the body is framed:
     * the last moment to refuse a framing the gateway will not forward.
     */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        if (msg.protocolVersion().majorVersion() != 1) {
            throw new UnsupportedVersionException("HTTP version " + msg.protocolVersion().text()
                    + " is not supported over this connection (HTTP/1.0 and HTTP/1.1 are; HTTP/2 starts with its preface)");
        }
        checkTransferEncoding(msg);
        return super.isContentAlwaysEmpty(msg);
    }

    /** RFC 9112 6.1 and 6.3: only {@code chunked}, alone, only in HTTP/1.1. */
    static void checkTransferEncoding(HttpMessage msg) {
        HttpHeaders h = msg.headers();
        if (!h.contains(HttpHeaderNames.TRANSFER_ENCODING)) return;
        if (!HttpVersion.HTTP_1_1.equals(msg.protocolVersion())) {
            throw new IllegalArgumentException("Transfer-Encoding in an " + msg.protocolVersion() + " request");
        }
        List<String> fields = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (fields.size() == 1 && fields.get(0).strip().equalsIgnoreCase("chunked")) return; // the common case
        int codings = 0;
        boolean lastChunked = false;
        for (String field : fields) {
            for (String coding : field.split(",")) {
                String c = coding.trim();
                if (c.isEmpty()) continue;
                codings++;
                lastChunked = c.equalsIgnoreCase("chunked");
            }
        }
        if (!lastChunked) {
            throw new IllegalArgumentException("the final transfer coding must be chunked (Transfer-Encoding: "
                    + shown(fields) + ")");
        }
        if (codings > 1) {
            throw new UnsupportedTransferCodingException("only the chunked transfer coding is implemented"
                    + " (Transfer-Encoding: " + shown(fields) + ")");
        }
    }

    /** The field values as a problem message quotes them: joined, and cut at 64 characters. */
    private static String shown(List<String> fields) {
        String shown = String.join(", ", fields);
        return shown.length() > 64 ? shown.substring(0, 64) + "..." : shown;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding");
    }

    private static DefaultFullHttpRequest invalid(Exception cause) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request",
                Unpooled.EMPTY_BUFFER);
        req.setDecoderResult(DecoderResult.failure(cause));
        return req;
    }
}
