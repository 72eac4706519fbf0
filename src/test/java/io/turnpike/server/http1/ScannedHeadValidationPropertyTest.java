package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
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
 * The decoder skips Netty's name and value checks for a head the scanner found clean. Whatever
 * bytes a client sends, it must decide exactly as the decoder that checks every field: the same
 * failure (or none) and the same headers.
 */
class ScannedHeadValidationPropertyTest {

    /** Netty's checks on every field, as before: a headers factory that is not Netty's default kind. */
    private static HttpDecoderConfig checkingEverything() {
        HttpHeadersFactory netty = DefaultHttpHeadersFactory.headersFactory();
        HttpHeadersFactory opaque = new HttpHeadersFactory() {
            @Override public HttpHeaders newHeaders() { return netty.newHeaders(); }
            @Override public HttpHeaders newEmptyHeaders() { return netty.newEmptyHeaders(); }
        };
        return config().setHeadersFactory(opaque);
    }

    private static HttpDecoderConfig config() {
        return new HttpDecoderConfig().setMaxHeaderSize(1024).setStrictLineParsing(true).setValidateHeaders(true);
    }

    @Property(tries = 3000)
    void decidesAsTheDecoderThatChecksEveryField(@ForAll("heads") String head, @ForAll @IntRange(min = 1, max = 40) int piece) {
        assertThat(decode(config(), head, piece)).as(escaped(head)).isEqualTo(decode(checkingEverything(), head, piece));
    }

    @Test
    void headersWrittenAfterTheHeadAreCheckedAsBefore() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(config(), Limits.DEFAULT, () -> {}));
        try {
            ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\n", StandardCharsets.ISO_8859_1));
            HttpRequest r = ch.readInbound();
            assertThat(r.decoderResult().isSuccess()).isTrue();
            assertThatThrownBy(() -> r.headers().set("X-Injected", "a\r\nEvil: 1")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> r.headers().set("Bad Name", "1")).isInstanceOf(IllegalArgumentException.class);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aControlCharacterInAValueIsStillRefused() {
        String head = "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0001c\r\n\r\n";
        assertThat(decode(config(), head, 7)).startsWith("failure");
    }

    /** What the decoder made of the head: its failure, or its request line and headers in order. */
    private static String decode(HttpDecoderConfig cfg, String head, int piece) {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(cfg, Limits.DEFAULT, () -> {}));
        List<Object> out = new ArrayList<>();
        try {
            byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < bytes.length; i += piece) {
                ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
                Object o;
                while ((o = ch.readInbound()) != null) out.add(o);
            }
            for (Object o : out) {
                if (o instanceof HttpMessage m) {
                    if (m.decoderResult().isFailure()) {
                        Throwable c = m.decoderResult().cause();
                        return "failure " + c.getClass().getSimpleName() + ": " + c.getMessage();
                    }
                    StringBuilder sb = new StringBuilder(((HttpRequest) m).uri());
                    for (Map.Entry<String, String> e : m.headers()) sb.append('|').append(e.getKey()).append('=').append(e.getValue());
                    return sb.toString();
                }
            }
            return "incomplete";
        } finally {
            out.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    @Provide
    Arbitrary<String> heads() {
        // mostly clean fields, with the bytes that matter to the checks mixed in
        Arbitrary<Character> nameChar = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.chars().alpha()),
                net.jqwik.api.Tuple.of(3, Arbitraries.of('-', '_', '!', '~', '`', '|', '.')),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(' ', '\t', '(', '"', '/', '@', '{', ':', '\u007f', '\u0080', '\u00ff', '\r', '\n', '\u0000')),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range('\u0000', '\u00ff')));
        Arbitrary<Character> valueChar = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.chars().range('\u0021', '\u007e')),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(' ', '\t', '\u0080', '\u00ff', '\u00e9')),
                net.jqwik.api.Tuple.of(2, Arbitraries.of('\r', '\n', '\u0000', '\u0001', '\u000b', '\u000c', '\u007f', '\u001f')),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range('\u0000', '\u00ff')));
        Arbitrary<String> name = nameChar.list().ofMinSize(0).ofMaxSize(12).map(ScannedHeadValidationPropertyTest::join);
        Arbitrary<String> value = valueChar.list().ofMaxSize(16).map(ScannedHeadValidationPropertyTest::join);
        Arbitrary<String> sep = Arbitraries.of(":", ": ", ":\t", " : ", "");
        Arbitrary<String> eol = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(20, "\r\n"), net.jqwik.api.Tuple.of(1, "\n"), net.jqwik.api.Tuple.of(1, "\r"));
        Arbitrary<String> field = Combinators.combine(name, sep, value, eol).as((n, s, v, e) -> n + s + v + e);
        return field.list().ofMaxSize(6).map(fs -> "GET /x HTTP/1.1\r\nHost: a\r\n" + String.join("", fs) + "\r\n");
    }

    private static String join(List<Character> cs) {
        StringBuilder sb = new StringBuilder(cs.size());
        cs.forEach(sb::append);
        return sb.toString();
    }

    private static String escaped(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7f) sb.append(String.format("\\x%02x", (int) c)); else sb.append(c);
        }
        return sb.toString();
    }
}
