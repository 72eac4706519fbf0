package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.turnpike.testing.NoLeaks;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The frame edges against Netty's own encoder: frames of every length form (7-bit, 16-bit, 64-bit),
 * masked and not, cut into pieces of random sizes, must be followed to their exact ends.
 */
@ExtendWith(NoLeaks.class)
class FrameEdgesTest {
    private static final int[] SIZES = {0, 1, 125, 126, 127, 65_535, 65_536, 70_000};

    @Test
    void findsEveryFrameEndWhateverTheCuts() {
        for (boolean masked : new boolean[] {false, true}) {
            List<Integer> ends = new ArrayList<>();
            ByteBuf wire = encode(masked, ends);
            Random random = new Random(masked ? 7 : 11);
            for (int round = 0; round < 20; round++) {
                FrameEdges edges = new FrameEdges();
                int at = 0;
                List<Integer> seen = new ArrayList<>();
                while (at < wire.readableBytes()) {
                    int cut = Math.min(wire.readableBytes() - at, 1 + random.nextInt(round < 10 ? 7 : 40_000));
                    ByteBuf piece = wire.slice(at, cut);
                    // toEdge stops exactly at the end of the frame under way, wherever the cut is.
                    while (piece.isReadable()) {
                        if (edges.atEdge()) { // the next frame's first byte (a frame has two at least)
                            edges.pass(piece.slice(piece.readerIndex(), 1));
                            piece.skipBytes(1);
                            at++;
                            continue;
                        }
                        int n = edges.toEdge(piece);
                        piece.skipBytes(n);
                        at += n;
                        if (edges.atEdge()) seen.add(at);
                    }
                }
                assertThat(seen).as("masked=%s round %d", masked, round).containsExactlyElementsOf(ends);
            }
            wire.release();
        }
    }

    @Test
    void theGatewaysCloseFramesDecodeAs1001() {
        for (boolean masked : new boolean[] {false, true}) {
            EmbeddedChannel ch = new EmbeddedChannel(new WebSocket08FrameDecoder(masked, false, 1024));
            ch.writeInbound(Unpooled.wrappedBuffer(FrameEdges.close(1001, masked)));
            CloseWebSocketFrame close = ch.readInbound();
            assertThat(close.statusCode()).isEqualTo(1001);
            close.release();
            ch.finishAndReleaseAll();
        }
    }

    /** The frames' bytes as Netty writes them, and where each frame ends. */
    private static ByteBuf encode(boolean masked, List<Integer> ends) {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
        ByteBuf wire = Unpooled.buffer();
        for (int size : SIZES) {
            WebSocketFrame f = size <= 125 && size % 2 == 1 ? new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[size]))
                    : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[size]));
            ch.writeOutbound(f);
            ByteBuf out;
            while ((out = ch.readOutbound()) != null) {
                wire.writeBytes(out);
                out.release();
            }
            ends.add(wire.readableBytes());
        }
        ch.finishAndReleaseAll();
        return wire;
    }
}
