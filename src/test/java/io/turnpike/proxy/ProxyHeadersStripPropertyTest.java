package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.turnpike.server.http1.RawHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The one-pass strip drops exactly what a remove per hop-by-hop name followed by a scan for the
 * prefixed families dropped (the model below), for any head, any letter case, any Connection.
 */
class ProxyHeadersStripPropertyTest {

    @Property(tries = 3000)
    void aRequestLosesWhatTheModelDrops(@ForAll("heads") List<Tuple.Tuple2<String, String>> head, @ForAll boolean untrusted) {
        HttpHeaders actual = headers(head);
        HttpHeaders expected = headers(head);
        ProxyHeaders.stripRequest(actual, untrusted);
        Model.stripRequest(expected, untrusted);
        assertThat(entries(actual)).as(head.toString()).isEqualTo(entries(expected));
    }

    @Property(tries = 3000)
    void aResponseLosesWhatTheModelDrops(@ForAll("heads") List<Tuple.Tuple2<String, String>> head) {
        HttpHeaders actual = headers(head);
        HttpHeaders expected = headers(head);
        ProxyHeaders.stripHopByHop(actual);
        Model.strip(expected, false, false);
        assertThat(entries(actual)).as(head.toString()).isEqualTo(entries(expected));
    }

    /** The same for a head read into offsets over its bytes, whose fields are dropped in place. */
    @Property(tries = 3000)
    void aHeadReadIntoOffsetsLosesWhatTheModelDrops(@ForAll("heads") List<Tuple.Tuple2<String, String>> head,
                                                    @ForAll boolean untrusted, @ForAll boolean request) {
        HttpHeaders actual = raw(head);
        HttpHeaders expected = headers(head);
        if (request) {
            ProxyHeaders.stripRequest(actual, untrusted);
            Model.stripRequest(expected, untrusted);
        } else {
            ProxyHeaders.stripHopByHop(actual);
            Model.strip(expected, false, false);
        }
        assertThat(actual).isInstanceOf(RawHeaders.class);
        assertThat(entries(actual)).as(head.toString()).isEqualTo(entries(expected));
    }

    /** The head's fields as the decoder's offsets would hold them: "name: value" lines. */
    private static RawHeaders raw(List<Tuple.Tuple2<String, String>> head) {
        StringBuilder s = new StringBuilder();
        int[] fields = new int[head.size() * 4];
        for (int i = 0; i < head.size(); i++) {
            var f = head.get(i);
            fields[i * 4] = s.length();
            fields[i * 4 + 1] = s.length() + f.get1().length();
            fields[i * 4 + 2] = s.length() + f.get1().length() + 2;
            fields[i * 4 + 3] = fields[i * 4 + 2] + f.get2().length();
            s.append(f.get1()).append(": ").append(f.get2()).append("\r\n");
        }
        return new RawHeaders(s.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), fields, head.size());
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, String>>> heads() {
        Arbitrary<String> name = Arbitraries.of("Host", "Content-Length", "Connection", "connection", "Keep-Alive",
                        "Proxy-Connection", "Proxy-Authorization", "proxy-x", "Proxy-", "TE", "te", "Trailer",
                        "Transfer-Encoding", "Upgrade", "HTTP2-Settings", "X-Consumer-Id", "x-consumer-groups",
                        "X-Consumer-", "X-Forwarded-For", "x-forwarded-host", "X-Forwarded-", "Forwarded", "X-Real-IP",
                        "x-real-ip", "X-Client-Profile", "Client-Cert", "Client-Cert-Chain", "X-Custom", "Accept",
                        "Via", "X-Keep", "x-keep");
        Arbitrary<String> value = Arbitraries.of("1", "x", "trailers", "gzip, trailers", "close", "keep-alive",
                "X-Keep", "x-keep, close", "Content-Length", "Host, X-Custom", "TE", "Upgrade, X-Forwarded-For", "",
                "Keep-Alive", "CLOSE", "close ,keep-alive,", ",", ",,X-Keep,,", "keep-alive, X-Keep", "close\t,\tx-keep",
                "closed", "keep-alive-x", "clos", "X-Keep ,Close");
        return Combinators.combine(name, value).as(Tuple::of).list().ofMaxSize(10);
    }

    private static HttpHeaders headers(List<Tuple.Tuple2<String, String>> head) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (var f : head) h.add(f.get1(), f.get2());
        return h;
    }

    private static List<String> entries(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : h) out.add(e.getKey() + ": " + e.getValue());
        return out;
    }

    /** The strip as it was: a remove per fixed hop-by-hop name, then a scan for the prefixed families. */
    private static final class Model {
        private static final AsciiString[] HOP_BY_HOP = {
                HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, ProxyHeaders.PROXY_CONNECTION,
                HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
                HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
                HttpHeaderNames.UPGRADE, AsciiString.cached("http2-settings")};

        static void stripRequest(HttpHeaders h, boolean untrustedPeer) {
            boolean trailers = false;
            for (String v : h.getAll(HttpHeaderNames.TE)) {
                for (String t : v.split(",")) {
                    int semi = t.indexOf(';');
                    if ((semi < 0 ? t : t.substring(0, semi)).trim().equalsIgnoreCase("trailers")) trailers = true;
                }
            }
            strip(h, true, untrustedPeer);
            h.remove(ProxyHeaders.X_CLIENT_PROFILE);
            h.remove(ProxyHeaders.CLIENT_CERT);
            h.remove(ProxyHeaders.CLIENT_CERT_CHAIN);
            if (trailers) h.set(HttpHeaderNames.TE, "trailers");
        }

        static void strip(HttpHeaders h, boolean consumerHeaders, boolean forwardedFamily) {
            List<String> named = new ArrayList<>();
            for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
                for (String t : v.split(",")) {
                    t = t.trim();
                    if (t.isEmpty() || t.equalsIgnoreCase("close") || t.equalsIgnoreCase("keep-alive")
                            || t.equalsIgnoreCase("content-length") || t.equalsIgnoreCase("host")
                            || t.equalsIgnoreCase("transfer-encoding") || t.equalsIgnoreCase("te")
                            || forwarding(t)) continue;
                    named.add(t);
                }
            }
            for (String n : named) h.remove(n);
            for (AsciiString n : HOP_BY_HOP) h.remove(n);
            if (forwardedFamily) {
                h.remove(ProxyHeaders.FORWARDED);
                h.remove(ProxyHeaders.X_REAL_IP);
            }
            List<String> dropped = new ArrayList<>();
            for (String name : h.names()) {
                String lower = name.toLowerCase();
                if (lower.length() > 6 && lower.startsWith("proxy-")
                        || consumerHeaders && lower.length() > 11 && lower.startsWith("x-consumer-")
                        || forwardedFamily && lower.length() > 12 && lower.startsWith("x-forwarded-")) {
                    dropped.add(name);
                }
            }
            for (String n : dropped) h.remove(n);
        }

        /** Forwarded, X-Real-IP and X-Forwarded-*: no Connection token removes them. */
        private static boolean forwarding(String token) {
            String lower = token.toLowerCase();
            return lower.equals("forwarded") || lower.equals("x-real-ip")
                    || lower.length() > 12 && lower.startsWith("x-forwarded-");
        }
    }
}
