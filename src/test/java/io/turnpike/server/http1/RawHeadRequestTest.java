package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.config.Limits;
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
 * A plain request head whose body, if any, has a Content-Length is read into offsets over its
 * bytes ({@link RawHead}) instead of through Netty's decoder, and the body by its length. For any head, in one piece or many, with or without a body,
 * the decoder must hand on exactly what Netty's own decoder makes of the same bytes.
 */
class RawHeadRequestTest {

    private static HttpDecoderConfig config() {
        return new HttpDecoderConfig().setMaxInitialLineLength(8 * 1024).setMaxHeaderSize(32 * 1024)
                .setStrictLineParsing(true).setValidateHeaders(true);
    }

    @Property(tries = 2000)
    void decodesAsNetty(@ForAll("requests") String requests, @ForAll @IntRange(min = 1, max = 400) int piece) {
        assertThat(decode(new StrictRequestDecoder(config(), Limits.DEFAULT, () -> {}), requests, piece))
                .as(requests).isEqualTo(decode(new HttpRequestDecoder(config()), requests, piece));
    }

    @Test
    void aPlainHeadIsReadIntoOffsetsAndItsBodyByItsLength() {
        List<Object> out = objects(new StrictRequestDecoder(config(), Limits.DEFAULT, () -> {}),
                "GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  1 \r\n\r\n"
                        + "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                        + "PUT /q HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
                        + "DELETE /d HTTP/1.1\r\nhost: y\r\n\r\n", Integer.MAX_VALUE);
        try {
            List<HttpRequest> heads = out.stream().filter(o -> o instanceof HttpRequest).map(o -> (HttpRequest) o).toList();
            assertThat(heads).hasSize(4);
            assertThat(heads.get(0).headers()).isInstanceOf(RawHeaders.class);
            assertThat(heads.get(0).headers().get("x-a")).isEqualTo("1");
            assertThat(heads.get(1).headers()).isInstanceOf(RawHeaders.class);
            assertThat(out.get(3)).isInstanceOf(LastHttpContent.class); // the POST's body, whole
            assertThat(((HttpContent) out.get(3)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
            assertThat(heads.get(2).headers()).isNotInstanceOf(RawHeaders.class); // chunked: Netty's
            assertThat(heads.get(3).headers()).isInstanceOf(RawHeaders.class);
            assertThat(heads.get(3).uri()).isEqualTo("/d");
        } finally {
            out.forEach(ReferenceCountUtil::release);
        }
    }

    @Test
    void aHeadThatIsNotPlainIsLeftToNetty() {
        for (String head : List.of("GET / HTTP/1.0\r\nHost: x\r\n\r\n", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "GET / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n",
                "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET / HTTP/1.1\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\n\r\n", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 02\r\n\r\nhi", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi")) {
            List<Object> out = objects(new StrictRequestDecoder(config(), Limits.DEFAULT, () -> {}), head, Integer.MAX_VALUE);
            try {
                for (Object o : out) {
                    if (o instanceof HttpRequest r) assertThat(r.headers()).as(head).isNotInstanceOf(RawHeaders.class);
                }
            } finally {
                out.forEach(ReferenceCountUtil::release);
            }
        }
    }

    @Provide
    Arbitrary<String> requests() {
        return request().list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("", l));
    }

    private Arbitrary<String> request() {
        Arbitrary<String> method = Arbitraries.of("GET", "GET", "HEAD", "DELETE", "OPTIONS", "get", "PURGE", "POST");
        Arbitrary<String> target = Arbitraries.strings().withChars("abz09/?=&%.-~:@!$'()*+,;")
                .ofMinLength(0).ofMaxLength(30).map(s -> "/" + s);
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0");
        Arbitrary<String> name = Arbitraries.of("Host", "host", "X-A", "x-a", "Accept", "Cookie", "TE", "Connection",
                "Via", "X-Forwarded-For", "Upgrade", "Expect", "If-None-Match", "A!#$%&'*+-.^`|~");
        Arbitrary<String> value = Arbitraries.strings().withChars("ab z\t,;=\"/:09\u00e9\u00ff")
                .ofMinLength(0).ofMaxLength(20);
        Arbitrary<String> sep = Arbitraries.of(": ", ":", ":  ", ":\t", ": \t ");
        Arbitrary<String> trail = Arbitraries.of("", "", "", " ", "\t ");
        Arbitrary<String> field = Combinators.combine(name, sep, value, trail).as((n, s, v, t) -> n + s + v + t + "\r\n");
        Arbitrary<String> body = Arbitraries.of("", "", "", "cl", "cl", "chunked", "cl0", "cl00", "clBig");
        return Combinators.combine(method, target, version, field.list().ofMaxSize(8), body).as((m, t, v, fields, b) -> {
            StringBuilder s = new StringBuilder(m).append(' ').append(t).append(' ').append(v).append("\r\n");
            fields.forEach(s::append);
            switch (b) {
                case "cl" -> s.append("Content-Length: 5\r\n\r\nhello");
                case "cl0" -> s.append("Content-Length: 0\r\n\r\n");
                case "cl00" -> s.append("Content-Length: 005\r\n\r\nhello");
                case "clBig" -> s.append("Content-Length: 40000\r\n\r\n").append("b".repeat(40000));
                case "chunked" -> s.append(v.equals("HTTP/1.1") ? "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" : "\r\n");
                default -> s.append("\r\n");
            }
            return s.toString();
        });
    }

    /** What the decoder handed on, each message as text: its request line and fields in order, and its content. */
    private static List<String> decode(io.netty.channel.ChannelHandler decoder, String input, int piece) {
        List<Object> out = objects(decoder, input, piece);
        List<String> seen = new ArrayList<>();
        try {
            for (Object o : out) {
                StringBuilder s = new StringBuilder();
                if (o instanceof HttpRequest r) {
                    s.append(r.decoderResult().isSuccess() ? "" : "failed ").append(r.method()).append(' ')
                            .append(r.uri()).append(' ').append(r.protocolVersion());
                    for (Map.Entry<String, String> e : r.headers()) s.append('|').append(e.getKey()).append('=').append(e.getValue());
                }
                if (o instanceof HttpContent c) {
                    s.append(o instanceof LastHttpContent ? " last:" : " content:").append(c.content().toString(StandardCharsets.ISO_8859_1));
                    if (o instanceof LastHttpContent l) s.append(l.trailingHeaders().entries());
                }
                seen.add(s.toString());
            }
        } finally {
            out.forEach(ReferenceCountUtil::release);
        }
        return seen;
    }

    private static List<Object> objects(io.netty.channel.ChannelHandler decoder, String input, int piece) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        List<Object> out = new ArrayList<>();
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += piece) {
            ByteBuf b = Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i));
            ch.writeInbound(b);
            Object o;
            while ((o = ch.readInbound()) != null) out.add(o);
        }
        ch.finishAndReleaseAll();
        return out;
    }
}
