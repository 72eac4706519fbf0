package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.server.http1.RawHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A node's plain response framed by its Content-Length is read into offsets over its bytes
 * instead of through Netty's decoder. For any sequence of responses on one connection, cut into
 * any reads, the codec must hand on exactly what Netty's own decoder makes of the same bytes, except
 * that it refuses a status code outside 100-599, which Netty takes.
 */
class UpstreamCodecRawTest {

    private static HttpDecoderConfig config() {
        return new HttpDecoderConfig().setMaxInitialLineLength(8 * 1024).setMaxHeaderSize(64 * 1024)
                .setMaxChunkSize(16 * 1024).setValidateHeaders(true).setTrailersFactory(LazyTrailers.FACTORY);
    }

    @Property(tries = 2000)
    void decodesAsNetty(@ForAll("responses") List<String> responses, @ForAll @IntRange(min = 1, max = 300) int piece) {
        String input = String.join("", responses);
        // Two requests more than responses: bytes past the last response are read as another answer
        // (as Netty does) rather than as bytes no request asked for, which close the connection.
        int requests = responses.size() + 2;
        assertThat(decode(null, requests, input, piece)).as(input)
                .isEqualTo(decode(new HttpResponseDecoder(config()), requests, input, piece));
    }

    @Test
    void aPlainResponseIsReadIntoOffsetsAndItsBodyByItsLength() {
        EmbeddedChannel ch = upstream(2);
        List<Object> out = feed(ch, "HTTP/1.1 200 OK\r\nServer: n\r\nContent-Length: 5\r\n\r\nhel", 1000);
        out.addAll(feed(ch, "loHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 1000));
        try {
            assertThat(out).hasSize(5);
            HttpResponse first = (HttpResponse) out.get(0);
            assertThat(first.headers()).isInstanceOf(RawHeaders.class);
            assertThat(first.headers().get("server")).isEqualTo("n");
            assertThat(((HttpContent) out.get(1)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("hel");
            assertThat(out.get(1)).isNotInstanceOf(LastHttpContent.class);
            assertThat(((LastHttpContent) out.get(2)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("lo");
            assertThat(((HttpResponse) out.get(3)).status().code()).isEqualTo(404);
            assertThat(out.get(4)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        } finally {
            out.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void theAnswerToAHeadHasNoBodyWhateverItsLengthSays() {
        EmbeddedChannel ch = new EmbeddedChannel();
        new UpstreamCodec(config()).addTo(ch.pipeline());
        send(ch, HttpMethod.HEAD);
        send(ch, HttpMethod.GET);
        List<Object> out = feed(ch, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1000);
        try {
            assertThat(out).hasSize(4);
            assertThat(out.get(1)).isInstanceOf(LastHttpContent.class);
            assertThat(((HttpContent) out.get(1)).content().readableBytes()).isZero();
            assertThat(((HttpContent) out.get(3)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("ok");
        } finally {
            out.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aConnectionClosedInsideABodyEndsNoMessage() {
        EmbeddedChannel ch = upstream(1);
        List<Object> out = feed(ch, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 1000);
        ch.finish();
        Object o;
        while ((o = ch.readInbound()) != null) out.add(o);
        try {
            assertThat(out).hasSize(2);
            assertThat(out.get(1)).isNotInstanceOf(LastHttpContent.class);
        } finally {
            out.forEach(ReferenceCountUtil::release);
        }
    }

    @Provide
    Arbitrary<List<String>> responses() {
        Arbitrary<String> status = Arbitraries.of("HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found",
                "HTTP/1.1 200", "HTTP/1.1 200 ", "HTTP/1.1 201  Created", "HTTP/1.0 200 OK", "HTTP/1.1 204 No Content",
                "HTTP/1.1 304 Not Modified", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", "HTTP/1.1 503 Busy Now",
                "HTTP/1.1 200 \u00e9t\u00e9", "HTTP/1.1 999 X");
        Arbitrary<String> name = Arbitraries.of("Server", "Date", "Content-Type", "content-type", "Connection",
                "Set-Cookie", "Via", "X-A", "x-a", "Cache-Control", "A!#$%&'*+-.^`|~");
        Arbitrary<String> value = Arbitraries.strings().withChars("ab z\t,;=\"/:09\u00e9").ofMinLength(0).ofMaxLength(20);
        Arbitrary<String> sep = Arbitraries.of(": ", ":", ":  ", ":\t", " : ");
        Arbitrary<String> trail = Arbitraries.of("", "", "", " ");
        Arbitrary<String> field = Combinators.combine(name, sep, value, trail).as((n, s, v, t) -> n + s + v + t + "\r\n");
        Arbitrary<String> body = Arbitraries.of("cl", "cl", "cl0", "chunked", "twoLengths", "badLength", "zeros", "big");
        Arbitrary<String> response = Combinators.combine(status, field.list().ofMaxSize(6), body,
                Arbitraries.integers().between(1, 40)).as((st, fields, b, n) -> {
            StringBuilder s = new StringBuilder(st).append("\r\n");
            fields.forEach(s::append);
            String payload = "x".repeat(n);
            switch (b) {
                case "cl" -> s.append("Content-Length: ").append(n).append("\r\n\r\n").append(payload);
                case "cl0" -> s.append("Content-Length: 0\r\n\r\n");
                case "chunked" -> s.append("Transfer-Encoding: chunked\r\n\r\n").append(Integer.toHexString(n))
                        .append("\r\n").append(payload).append("\r\n0\r\n\r\n");
                case "twoLengths" -> s.append("Content-Length: ").append(n).append("\r\nContent-Length: ").append(n)
                        .append("\r\n\r\n").append(payload);
                case "zeros" -> s.append("Content-Length: 00").append(n).append("\r\n\r\n").append(payload);
                case "big" -> s.append("Content-Length: ").append(n * 1000).append("\r\n\r\n").append("y".repeat(n * 1000));
                default -> s.append("Content-Length: +").append(n).append("\r\n\r\n").append(payload);
            }
            return s.toString();
        });
        return response.list().ofMinSize(1).ofMaxSize(3);
    }

    private static EmbeddedChannel upstream(int requests) {
        EmbeddedChannel ch = new EmbeddedChannel();
        new UpstreamCodec(config()).addTo(ch.pipeline());
        for (int i = 0; i < requests; i++) send(ch, HttpMethod.GET);
        return ch;
    }

    private static void send(EmbeddedChannel ch, HttpMethod method) {
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
        Object o;
        while ((o = ch.readOutbound()) != null) ReferenceCountUtil.release(o);
    }

    /** What was handed on, as text; {@code reference} null means the codec under test. */
    private static List<String> decode(ChannelHandler reference, int requests, String input, int piece) {
        EmbeddedChannel ch = reference == null ? upstream(requests) : new EmbeddedChannel(reference);
        List<Object> out = feed(ch, input, piece);
        ch.finish();
        Object o;
        while ((o = ch.readInbound()) != null) out.add(o);
        List<String> seen = new ArrayList<>();
        try {
            for (Object m : out) {
                StringBuilder s = new StringBuilder();
                if (m instanceof HttpResponse r) {
                    // the codec also refuses a status Netty takes: outside 100-599 (RFC 9110 15)
                    boolean refused = reference != null && (r.status().code() < 100 || r.status().code() > 599);
                    s.append(r.decoderResult().isSuccess() && !refused ? "" : "failed ").append(r.protocolVersion()).append(' ')
                            .append(r.status().code()).append(" [").append(r.status().reasonPhrase()).append(']');
                    for (Map.Entry<String, String> e : r.headers()) s.append('|').append(e.getKey()).append('=').append(e.getValue());
                }
                if (m instanceof HttpContent c) {
                    s.append(m instanceof LastHttpContent ? " last:" : " content:").append(c.content().toString(StandardCharsets.ISO_8859_1));
                    if (m instanceof LastHttpContent l) s.append(l.trailingHeaders().entries());
                    if (c.decoderResult().isFailure()) s.append(" failed");
                }
                seen.add(s.toString());
            }
        } finally {
            out.forEach(ReferenceCountUtil::release);
        }
        return seen;
    }

    private static List<Object> feed(EmbeddedChannel ch, String input, int piece) {
        List<Object> out = new ArrayList<>();
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += piece) {
            ByteBuf b = Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i));
            ch.writeInbound(b);
            Object o;
            while ((o = ch.readInbound()) != null) out.add(o);
        }
        return out;
    }
}
