package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trailer table made on demand keeps what Netty's own trailer table does, through Netty's decoder. */
class LazyTrailersTest {

    private static List<HttpObject> decode(String response) {
        return decode(response, LazyTrailers.FACTORY);
    }

    private static List<HttpObject> decode(String response, HttpHeadersFactory trailers) {
        HttpDecoderConfig cfg = new HttpDecoderConfig().setValidateHeaders(true).setTrailersFactory(trailers);
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(cfg));
        ch.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.US_ASCII));
        List<HttpObject> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) out.add((HttpObject) o);
        ch.finishAndReleaseAll();
        return out;
    }

    private static LastHttpContent last(List<HttpObject> parts) {
        return (LastHttpContent) parts.get(parts.size() - 1);
    }

    @Test
    void aBodyFramedByLengthEndsWithAnEmptyTableMadeOfNothing() {
        List<HttpObject> parts = decode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        LastHttpContent end = last(parts);
        assertThat(end.decoderResult().isSuccess()).isTrue();
        assertThat(end.trailingHeaders()).isInstanceOf(LazyTrailers.class);
        assertThat(end.trailingHeaders().isEmpty()).isTrue();
        assertThat(end.trailingHeaders().get("x-anything")).isNull();
        assertThat(end.trailingHeaders().iteratorCharSequence().hasNext()).isFalse();
        parts.forEach(ReferenceCountUtil::release);
    }

    @Test
    void chunkedTrailersArriveWhole() {
        List<HttpObject> parts = decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\nX-Checksum: abc123\r\nGrpc-Status: 0\r\nX-Checksum: def\r\n\r\n");
        LastHttpContent end = last(parts);
        assertThat(end.decoderResult().isSuccess()).isTrue();
        assertThat(end.trailingHeaders().size()).isEqualTo(3);
        assertThat(end.trailingHeaders().getAll("x-checksum")).containsExactly("abc123", "def");
        assertThat(end.trailingHeaders().get("grpc-status")).isEqualTo("0");
        parts.forEach(ReferenceCountUtil::release);
    }

    @Test
    void theDecoderTreatsEveryTrailerAsWithNettysOwnTable() {
        // Framing fields sent as trailers (which could reframe the message for whoever merges
        // trailers into the head), bad names and values, and ordinary ones: the same outcome,
        // success or failure, and the same trailers as with the table Netty makes by default.
        String[] trailers = {"Content-Length: 7", "transfer-encoding: chunked", "Trailer: X-A", "X-Bad: a\u0001b",
            "Bad Name: 1", "X-A: 1\r\nX-A: 2", "X-Fold: a\r\n b", ""};
        for (String t : trailers) {
            String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                    + (t.isEmpty() ? "" : t + "\r\n") + "\r\n";
            List<HttpObject> lazy = decode(response, LazyTrailers.FACTORY);
            List<HttpObject> netty = decode(response, DefaultHttpHeadersFactory.trailersFactory());
            HttpObject a = lazy.get(lazy.size() - 1);
            HttpObject b = netty.get(netty.size() - 1);
            assertThat(a.decoderResult().isSuccess()).as(t).isEqualTo(b.decoderResult().isSuccess());
            if (a instanceof LastHttpContent la && b instanceof LastHttpContent lb) {
                assertThat(la.trailingHeaders().entries().toString()).as(t).isEqualTo(lb.trailingHeaders().entries().toString());
            }
            lazy.forEach(ReferenceCountUtil::release);
            netty.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void aCopyIsIndependent() {
        LazyTrailers t = new LazyTrailers();
        var empty = t.copy();
        t.add("x-a", "1");
        assertThat(empty.isEmpty()).isTrue();
        var copy = t.copy();
        t.set("x-a", "2");
        assertThat(copy.get("x-a")).isEqualTo("1");
        assertThat(t.get("x-a")).isEqualTo("2");
        t.remove("x-a");
        assertThat(t.isEmpty()).isTrue();
    }
}
