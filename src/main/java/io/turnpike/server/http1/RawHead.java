package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The common HTTP/1.1 head read once into offsets over its bytes ({@link RawHeaders}), so that the
 * fields the gateway does not edit are forwarded as the bytes they arrived as. It takes only heads
 * that are plain in every respect (an {@code HTTP/1.1} start line of single spaces, header lines of
 * a token name, a colon and field characters ending in CRLF, well inside the size limits, and
 * framing the decoder using it handles itself) and declines everything else ({@code null}), which
 * the caller then leaves to Netty's decoder whole. So every head it takes is one Netty would
 * decode to the same message, and every question of what to refuse stays with Netty's decoder and
 * the gateway's checks around it.
 *
 * <p>One instance per connection: it keeps what the last parse saw about the body's framing, and
 * reads that body by its length as Netty would ({@link #beginBody}, {@link #readBody}).
 */
public final class RawHead {
    /** RFC 9110 5.6.2 tchar. */
    static final boolean[] TOKEN = new boolean[256];
    /** RFC 9110 5.5 field-vchar, SP and HTAB. */
    static final boolean[] FIELD = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) TOKEN[c] = true;
        for (int c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
        FIELD['\t'] = true;
        for (int c = 0x20; c < 0x7F; c++) FIELD[c] = true;
        for (int c = 0x80; c < 0x100; c++) FIELD[c] = true;
    }

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    /** A Hixie-76 WebSocket handshake: Netty gives its request an 8-byte body without a length. */
    private static final byte[] SEC_WEBSOCKET_KEY1 = "sec-websocket-key1".getBytes(StandardCharsets.US_ASCII);

    private final int maxStartLine;
    private final int maxFieldBytes;
    private final int maxChunkSize;
    private final HttpHeadersFactory trailersFactory;
    /** Body bytes still to come of the last head taken. */
    private long bodyRemaining;
    /** What the last {@link #fields} saw: the Content-Length's value, -1 without one. */
    private long contentLength;
    private int contentLengths;
    /** The last head had Transfer-Encoding, or something else whose framing is left to Netty. */
    private boolean otherFraming;

    /**
     * Takes the decoder's limits from its config: only start lines and header blocks under half of
     * them are taken, and a body is handed on in pieces of at most its chunk size.
     */
    public RawHead(HttpDecoderConfig config) {
        this.maxStartLine = config.getMaxInitialLineLength();
        this.maxFieldBytes = config.getMaxHeaderSize();
        this.maxChunkSize = config.getMaxChunkSize();
        this.trailersFactory = config.getTrailersFactory();
    }

    /**
     * Where the head starting at {@code from} ends (just after its empty line), or -1 when the
     * readable bytes hold no complete head short enough to be taken.
     */
    public int headEnd(ByteBuf in, int from) {
        int limit = Math.min(in.writerIndex(), from + (maxStartLine + maxFieldBytes) / 2);
        int i = from;
        while (i < limit) {
            int lf = in.indexOf(i, limit, (byte) '\n');
            if (lf < 0) return -1;
            if (lf + 2 < in.writerIndex() && in.getByte(lf + 1) == '\r' && in.getByte(lf + 2) == '\n') {
                return lf + 3;
            }
            i = lf + 1;
        }
        return -1;
    }

    /**
     * A request without a body or with one framed by a single Content-Length
     * ({@link #beginBody} reads it), from the head in {@code in} between {@code from} and
     * {@code end}; null to leave it to Netty (Transfer-Encoding among others).
     */
    HttpRequest request(ByteBuf in, int from, int end) {
        byte[] b = copy(in, from, end);
        int i = 0;
        while (i < b.length && TOKEN[b[i] & 0xFF]) i++;
        int methodEnd = i;
        if (methodEnd == 0 || i >= b.length || b[i] != ' ') return null;
        int target = ++i;
        while (i < b.length && b[i] > 0x20 && b[i] < 0x7F) i++;
        int targetEnd = i;
        if (targetEnd == target || i >= b.length || b[i] != ' ') return null;
        i++;
        if (!versionLine(b, i)) return null;
        int fields = i + HTTP_1_1.length + 2;
        if (fields >= maxStartLine / 2) return null;
        RawHeaders h = fields(b, fields);
        if (h == null || contentLengths > 1 || otherFraming) return null;
        HttpMethod method = methodEnd == 3 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T' ? HttpMethod.GET
                : HttpMethod.valueOf(new String(b, 0, methodEnd, StandardCharsets.ISO_8859_1));
        String uri = new String(b, target, targetEnd - target, StandardCharsets.ISO_8859_1);
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, h);
    }

    /**
     * A response framed by one Content-Length ({@link #beginBody} reads its body), with a status of 2xx to 5xx
     * other than 204 and 304; null to leave it to Netty. Whether the request was a HEAD is the
     * caller's to know: such an answer has no body whatever its length says.
     */
    public HttpResponse response(ByteBuf in, int from, int end) {
        byte[] b = copy(in, from, end);
        if (b.length < 17 || !startsWith(b, 0, HTTP_1_1) || b[8] != ' ') return null;
        int code = 0;
        for (int d = 9; d < 12; d++) {
            if (b[d] < '0' || b[d] > '9') return null;
            code = code * 10 + b[d] - '0';
        }
        if (code < 200 || code == 204 || code == 304 || code > 599) return null;
        // "HTTP/1.1 200" CRLF, or one SP and a reason of visible characters and inner spaces.
        int reasonStart = b[12] == ' ' ? 13 : 12;
        int i = reasonStart;
        while (i < b.length && b[i] != '\r') {
            if (b[i] < 0x20 || b[i] > 0x7E) return null;
            i++;
        }
        int reasonEnd = i;
        if (reasonStart == 12 && reasonEnd != 12 || reasonStart == 13 && (reasonEnd == 13 || b[13] == ' '
                || b[reasonEnd - 1] == ' ')) {
            return null;
        }
        if (i + 1 >= b.length || b[i + 1] != '\n' || i + 2 >= maxStartLine / 2) return null;
        RawHeaders h = fields(b, i + 2);
        if (h == null || contentLengths != 1 || otherFraming) return null;
        HttpResponseStatus status = code == 200 && reasonEnd - reasonStart == 2 && b[reasonStart] == 'O'
                && b[reasonStart + 1] == 'K' ? HttpResponseStatus.OK
                : HttpResponseStatus.valueOf(code, new String(b, reasonStart, reasonEnd - reasonStart,
                        StandardCharsets.ISO_8859_1));
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, h);
    }

    /**
     * After the head just taken: its body's first piece (or, without one, the empty last content)
     * into {@code out}. True when that ended the message.
     */
    public boolean beginBody(ByteBuf in, List<Object> out) {
        if (contentLength <= 0) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            return true;
        }
        bodyRemaining = contentLength;
        return readBody(in, out);
    }

    /** Part of a body begun by {@link #beginBody} is still to come. */
    public boolean readingBody() {
        return bodyRemaining > 0;
    }

    /**
     * The next piece of the body, as Netty reads a body of known length: what is readable up to
     * the chunk size, the last piece ending the message. True when it did.
     */
    public boolean readBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(Math.min(in.readableBytes(), maxChunkSize), bodyRemaining);
        if (n == 0) return false;
        ByteBuf content = in.readRetainedSlice(n);
        bodyRemaining -= n;
        if (bodyRemaining > 0) {
            out.add(new DefaultHttpContent(content));
            return false;
        }
        out.add(new DefaultLastHttpContent(content, trailersFactory));
        return true;
    }

    /**
     * The header lines of {@code b} from {@code pos} to its end (the empty line's CRLF), or null
     * when a line is not plain or the block is too long.
     */
    private RawHeaders fields(byte[] b, int pos) {
        contentLength = -1;
        contentLengths = 0;
        otherFraming = false;
        int end = b.length - 2; // the empty line
        if (end < pos || end - pos >= maxFieldBytes / 2 || b[end] != '\r' || b[end + 1] != '\n'
                || end > pos && b[end - 1] != '\n') {
            return null;
        }
        int lines = 0;
        for (int j = pos; j < end; j++) {
            if (b[j] == '\n') lines++;
        }
        int[] f = new int[lines * 4];
        int n = 0;
        int i = pos;
        while (i < end) {
            int name = i;
            while (i < end && TOKEN[b[i] & 0xFF]) i++;
            if (i == name || b[i] != ':') return null;
            int nameEnd = i++;
            while (i < end && (b[i] == ' ' || b[i] == '\t')) i++;
            int value = i;
            while (i < end && b[i] != '\r') {
                if (!FIELD[b[i] & 0xFF]) return null;
                i++;
            }
            if (b[i + 1] != '\n') return null;
            int valueEnd = i;
            while (valueEnd > value && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) valueEnd--;
            i += 2;
            if (n * 4 == f.length) return null; // a bare LF: not plain
            f[n * 4] = name;
            f[n * 4 + 1] = nameEnd;
            f[n * 4 + 2] = value;
            f[n * 4 + 3] = valueEnd;
            n++;
            note(b, name, nameEnd, value, valueEnd);
        }
        return i == end ? new RawHeaders(b, f, n) : null;
    }

    /** Notes the fields that decide a body's framing. */
    private void note(byte[] b, int name, int nameEnd, int value, int valueEnd) {
        int len = nameEnd - name;
        if (len == CONTENT_LENGTH.length && equalsLower(b, name, CONTENT_LENGTH)) {
            contentLengths++;
            long v = 0;
            if (valueEnd == value || valueEnd - value > 18 || valueEnd - value > 1 && b[value] == '0') {
                otherFraming = true; // empty, too long, or leading zeros (Netty rewrites those): Netty's
                return;
            }
            for (int i = value; i < valueEnd; i++) {
                if (b[i] < '0' || b[i] > '9') {
                    otherFraming = true;
                    return;
                }
                v = v * 10 + b[i] - '0';
            }
            contentLength = v;
        } else if (len == TRANSFER_ENCODING.length && equalsLower(b, name, TRANSFER_ENCODING)
                || len == SEC_WEBSOCKET_KEY1.length && equalsLower(b, name, SEC_WEBSOCKET_KEY1)) {
            otherFraming = true;
        }
    }

    private static boolean equalsLower(byte[] b, int at, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != lower[i]) return false;
        }
        return true;
    }

    /** {@code HTTP/1.1} and CRLF at {@code at}. */
    private static boolean versionLine(byte[] b, int at) {
        return startsWith(b, at, HTTP_1_1) && at + HTTP_1_1.length + 1 < b.length
                && b[at + HTTP_1_1.length] == '\r' && b[at + HTTP_1_1.length + 1] == '\n';
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) return false;
        }
        return true;
    }

    private static byte[] copy(ByteBuf in, int from, int end) {
        byte[] b = new byte[end - from];
        in.getBytes(from, b);
        return b;
    }
}
