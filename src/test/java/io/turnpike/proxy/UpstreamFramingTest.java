package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.RouteSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import io.turnpike.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Where one response ends on an upstream connection, and which methods never reach a node: the
 * gateway and the node must agree on both, or answers shift onto the wrong requests.
 */
@ExtendWith(NoLeaks.class)
class UpstreamFramingTest {

    /** A node that hints before every answer, and says each answer's length (a HEAD gets no body). */
    private static RawOrigin hinting() throws Exception {
        return new RawOrigin().answer(s -> "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n" + (s.requestLine().startsWith("HEAD") ? "" : "full body"));
    }

    @Test
    void answersAfterAnEarlyHintKeepTheirFraming() throws Exception {
        try (RawOrigin node = hinting();
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build());
             RawHttp c = new RawHttp(g.port())) {
            c.send("HEAD /a HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response head = c.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("9");
            // The node's connection is reused for the next calls, whose answers must be their own.
            for (String path : new String[] {"/b", "/c"}) {
                c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response get = c.read();
                assertThat(get.status()).isEqualTo(200);
                assertThat(get.body()).isEqualTo("full body");
            }
            assertThat(node.requestLines()).containsExactly("HEAD /a HTTP/1.1", "GET /b HTTP/1.1", "GET /c HTTP/1.1");
        }
    }

    /** A catch-all route to {@code node}, and {@code /prefix/**} taking only {@code methods}. */
    private static Gateway twoRoutes(RawOrigin node, String prefix, String... methods) throws Exception {
        return Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                .route("all", "/**", "svc")
                .route(prefix, new RouteSpec.Match(List.of(), "/" + prefix + "/**", List.of(methods), Map.of()),
                        "svc", RouteSpec.Rewrite.NONE)
                .build());
    }

    @Test
    void connectIsAnsweredByTheGatewayAndNeverForwarded() throws Exception {
        try (RawOrigin node = new RawOrigin().answer(s -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             Gateway g = twoRoutes(node, "some", "GET", "CONNECT")) {
            try (RawHttp c = new RawHttp(g.port())) {
                // what follows a CONNECT is meant for a tunnel: it must not be read as a request
                c.send("CONNECT /x HTTP/1.1\r\nHost: t\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(405);
                assertThat(r.header("content-type")).isEqualTo("application/problem+json");
                assertThat(r.header("allow")).isEqualTo("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE");
                assertThat(c.closedByPeer()).as("the connection closes after the answer").isTrue();
            }
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("CONNECT /some/y HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).as("even on a route that names CONNECT").isEqualTo(405);
                assertThat(r.header("allow")).isEqualTo("GET, HEAD");
            }
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(400);
            }
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("connect /x HTTP/1.1\r\nHost: t\r\n\r\n"); // for a node that reads methods case-blind
                assertThat(c.read().status()).isEqualTo(405);
            }
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("CONNECT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"); // a body: released, not forwarded
                assertThat(c.read().status()).isEqualTo(405);
            }
            assertThat(node.requestLines()).as("the node saw nothing").isEmpty();
        }
    }

    @Test
    void traceReachesOnlyANodeWhoseRouteNamesIt() throws Exception {
        try (RawOrigin node = new RawOrigin().answer(s -> "HTTP/1.1 200 OK\r\nContent-Type: message/http\r\nContent-Length: 2\r\n\r\nok");
             Gateway g = twoRoutes(node, "traced", "GET", "TRACE");
             RawHttp c = new RawHttp(g.port())) {
            // An echo of the request as the node got it would show what the gateway added to it.
            c.send("TRACE /x HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("allow")).isEqualTo("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
            c.send("Trace /x HTTP/1.1\r\nHost: t\r\n\r\n"); // for a node that reads methods case-blind
            assertThat(c.read().status()).isEqualTo(405);
            c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().status()).as("the connection stays open after this 405").isEqualTo(200);
            c.send("TRACE /traced/y HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().status()).as("a route that names TRACE passes it on").isEqualTo(200);
            assertThat(node.requestLines()).containsExactly("GET /x HTTP/1.1", "TRACE /traced/y HTTP/1.1");
        }
    }

    /**
     * A node that sends more than its framing says after the answer to {@code /over...}: a whole
     * second response, the head of one, a body after a HEAD's answer or after a 204. Anything else
     * gets its own short answer.
     */
    private static RawOrigin overrunning() throws Exception {
        return new RawOrigin().answer(s -> {
            String line = s.requestLine();
            if (line.startsWith("GET /over-whole ")) {
                return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Planted: 1\r\n\r\nplanted!";
            }
            if (line.startsWith("GET /over-head ")) {
                return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Le";
            }
            if (line.startsWith("HEAD /over-head-body ")) {
                return "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nplanted!";
            }
            if (line.startsWith("GET /over-204 ")) {
                return "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nplanted!";
            }
            return "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nmine";
        });
    }

    @Test
    void bytesANodeSendsPastAResponsesEndNeverAnswerTheNextRequest() throws Exception {
        try (RawOrigin node = overrunning();
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build())) {
            String[][] cases = {{"GET", "/over-whole", "hello"}, {"GET", "/over-head", "hello"},
                    {"HEAD", "/over-head-body", ""}, {"GET", "/over-204", ""}};
            for (String[] c : cases) {
                // pipelined: the next request is taken up while the node's bytes are still being read
                try (RawHttp client = new RawHttp(g.port())) {
                    client.send(c[0] + " " + c[1] + " HTTP/1.1\r\nHost: t\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\n\r\n");
                    RawHttp.Response first = client.read(c[0].equals("HEAD"));
                    assertThat(first.body()).as(c[1]).isEqualTo(c[2]);
                    RawHttp.Response next = client.read();
                    assertThat(next.status()).as(c[1] + ", then pipelined").isEqualTo(200);
                    assertThat(next.body()).as(c[1] + ", then pipelined").isEqualTo("mine");
                    assertThat(next.header("x-planted")).isNull();
                }
                // one after the other, on another client connection
                try (RawHttp client = new RawHttp(g.port())) {
                    client.send(c[0] + " " + c[1] + " HTTP/1.1\r\nHost: t\r\n\r\n");
                    client.read(c[0].equals("HEAD"));
                }
                try (RawHttp client = new RawHttp(g.port())) {
                    client.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
                    RawHttp.Response next = client.read();
                    assertThat(next.status()).as(c[1] + ", then another client").isEqualTo(200);
                    assertThat(next.body()).as(c[1] + ", then another client").isEqualTo("mine");
                }
            }
        }
    }

    @Test
    void aStatusCodeOutsideOneHundredToFiveNinetyNineIsNotPassedOn() throws Exception {
        try (RawOrigin node = new RawOrigin().answer(s -> s.requestLine().startsWith("GET /odd ")
                     ? "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok" : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nmine");
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build());
             RawHttp c = new RawHttp(g.port())) {
            c.send("GET /odd HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            c.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("mine");
        }
    }

    @Test
    void aBodyInAnyTransferCodingButChunkedIsRefusedNotPassedOnUnlabelled() throws Exception {
        try (RawOrigin node = new RawOrigin().answer(s -> {
                 String line = s.requestLine();
                 if (line.contains("/gzip-to-close")) return "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nzipped";
                 if (line.contains("/gzip-chunked")) {
                     return "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n6\r\nzipped\r\n0\r\n\r\n";
                 }
                 if (line.startsWith("HEAD")) return "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
                 return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nmine\r\n0\r\n\r\n";
             });
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build())) {
            for (String path : new String[] {"/gzip-to-close", "/gzip-chunked"}) {
                try (RawHttp c = new RawHttp(g.port())) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).as(path).isEqualTo(502);
                    assertThat(r.header("content-type")).isEqualTo("application/problem+json");
                }
            }
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
                assertThat(c.read(true).status()).as("a HEAD's answer has no body to decode").isEqualTo(200);
                c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("mine");
            }
        }
    }

    /**
     * Half a head that a node sends after its answer, once the connection idles in its pool, turns
     * into no message by itself; read in front of the next answer it would pass that answer off with
     * a field of the node's choosing ({@code X-Swallow} eats the real status line).
     */
    @Test
    void halfAHeadSentWhileTheConnectionIdlesNeverPrefixesTheNextAnswer() throws Exception {
        try (RawOrigin node = new RawOrigin()
                     .answer(s -> s.requestLine().startsWith("GET /first ")
                             ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
                             : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nmine")
                     .later(100, s -> s.requestLine().startsWith("GET /first ")
                             ? "HTTP/1.1 200 OK\r\nX-Planted: 1\r\nX-Swallow: " : null);
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build())) {
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
                assertThat(c.read().body()).isEqualTo("first");
            }
            Thread.sleep(400); // the half head arrives while the connection idles in its pool
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-planted")).isNull();
                assertThat(r.body()).isEqualTo("mine");
            }
        }
    }
}
