package io.turnpike.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * Sits before the frame codec and follows the frame headers as their bytes pass, to catch the
 * HEADERS frames RFC 9113 makes a connection error and the codec takes for a stream error (or for
 * trailers): HEADERS on a stream the client had already ended with END_STREAM (5.1: STREAM_CLOSED,
 * whether the stream is still half-closed or closed since; 5.4.1 lets a stream error be a connection
 * error), and HEADERS opening a stream whose identifier is lower than one the client already used
 * (5.1.1: PROTOCOL_ERROR). A HEADERS on a stream the client opened and never ended (trailers, or
 * frames that crossed the gateway's reset) is the codec's as before. Which streams the client opened
 * and ended is kept for its last {@value #REMEMBERED} streams; an older one is left to the codec.
 */
public final class StreamIdentifiers extends ChannelInboundHandlerAdapter {
    private static final int PREFACE = 24;
    private static final int REMEMBERED = 256;
    private static final int HEADERS = 1, DATA = 0, END_STREAM = 0x1;
    private static final int ENDED = 0x8000_0000; // marks an id in `opened` whose stream the client ended

    private final byte[] head = new byte[9];
    private int have; // bytes of the frame header under way
    private long skip = PREFACE; // bytes still to pass: the preface, then each frame's payload
    private final int[] opened = new int[REMEMBERED]; // ring of the client's stream ids, oldest first
    private int count;
    private int next; // where the next id goes
    private int floor; // the ids above this one that are not in `opened` were never used
    private int last; // the highest id the client opened
    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            io.netty.util.ReferenceCountUtil.release(msg); // the codec is closing the connection
            return;
        }
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int from = in.readerIndex();
        int end = in.writerIndex();
        int i = from;
        while (i < end) {
            if (skip > 0) {
                int n = (int) Math.min(skip, end - i);
                i += n;
                skip -= n;
                continue;
            }
            head[have++] = in.getByte(i++);
            if (have < head.length) continue;
            have = 0;
            skip = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
            int type = head[3] & 0xff;
            boolean endStream = (head[4] & END_STREAM) != 0;
            int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
            if ((stream & 1) == 0 || (type != HEADERS && type != DATA)) continue; // the codec's to judge
            if (type == HEADERS && stream > last) {
                open(stream, endStream);
                continue;
            }
            Http2Error error = type == HEADERS ? misuse(stream) : null;
            if (error != null) {
                // the frames before this one are the codec's, then the connection error
                int start = Math.max(from, i - head.length);
                failed = true;
                if (start > from) ctx.fireChannelRead(in.retainedSlice(from, start - from));
                in.release();
                ctx.fireExceptionCaught(Http2Exception.connectionError(error, "HEADERS on stream %d, %s", stream,
                        error == Http2Error.STREAM_CLOSED ? "which the client had ended" : "lower than stream " + last));
                return;
            }
            if (endStream) ended(stream);
        }
        ctx.fireChannelRead(in);
    }

    /** What a HEADERS on a stream used before breaks, or null when the codec is to judge it. */
    private Http2Error misuse(int stream) {
        for (int k = 0; k < count; k++) {
            int id = opened[(next - 1 - k + REMEMBERED) % REMEMBERED];
            if ((id & ~ENDED) == stream) return (id & ENDED) != 0 ? Http2Error.STREAM_CLOSED : null;
        }
        return stream > floor ? Http2Error.PROTOCOL_ERROR : null; // never opened, and now never may be
    }

    private void open(int stream, boolean endStream) {
        if (count == REMEMBERED) {
            floor = opened[next] & ~ENDED; // the oldest leaves the ring
        } else {
            count++;
        }
        opened[next] = stream | (endStream ? ENDED : 0);
        next = (next + 1) % REMEMBERED;
        last = stream;
    }

    /** The client ended {@code stream}: found from the newest, where it nearly always is. */
    private void ended(int stream) {
        for (int k = 0; k < count; k++) {
            int at = (next - 1 - k + REMEMBERED) % REMEMBERED;
            if ((opened[at] & ~ENDED) == stream) {
                opened[at] |= ENDED;
                return;
            }
        }
    }
}
