package io.turnpike.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Aggregate routes through a real gateway to real backends: fan-out, dependencies, failures, merging. */
@ExtendWith(NoLeaks.class)
class AggregationTest {
    static JsonBackend backend;
    static JsonBackend sick;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new JsonBackend()
                .json("/users/7", "{\"id\":7,\"name\":\"Ada\",\"segment\":\"books\",\"tier\":\"gold\"}")
                .json("/orders", "[{\"id\":1001,\"total\":12.5},{\"id\":1002,\"total\":3}]")
                .json("/recommendations/books", "{\"items\":[\"SICP\",\"TAOCP\"]}")
                .json("/slow/a", "{\"a\":1}", 300)
                .json("/slow/b", "{\"b\":2}", 300)
                .json("/slow/c", "{\"c\":3}", 300)
                .json("/very-slow", "{\"late\":true}", 1500)
                .json("/prices/7", "{\"id\":7,\"price\":10,\"currency\":\"EUR\"}")
                .json("/stock/7", "{\"id\":7,\"stock\":4}")
                .json("/envelope", "{\"data\":{\"items\":[{\"sku\":\"a\"},{\"sku\":\"b\"}],\"count\":2},\"meta\":{}}")
                .json("/big", "{\"blob\":\"" + "x".repeat(4000) + "\"}")
                .on("/text", new JsonBackend.Answer(200, "text/plain", JsonBackend.utf8("hello"), 0, false))
                .on("/broken", new JsonBackend.Answer(500, "application/json", JsonBackend.utf8("{}"), 0, false))
                .on("/zipped", new JsonBackend.Answer(200, "application/json",
                        JsonBackend.utf8("{\"zipped\":true}"), 0, true))
                .json("/echo-body", "{\"ok\":true}")
                .json("/users/evil", "{\"id\":8,\"segment\":\"../admin\"}")
                .json("/users/dots", "{\"id\":9,\"segment\":\"..\"}");
        sick = new JsonBackend().on("/flaky", new JsonBackend.Answer(503, "application/json",
                JsonBackend.utf8("{}"), 0, false));
        backend.json("/flaky", "{\"fine\":true}");
        ConfigLoader.Result r = ConfigLoader.parse("aggregate.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  users: { nodes: [ "%1$s" ] }
                  orders: { nodes: [ "%1$s" ] }
                  catalog: { nodes: [ "%1$s" ] }
                  dead: { nodes: [ "http://127.0.0.1:1" ] }
                  retrying:
                    nodes: [ "%2$s", "%1$s" ]
                    loadBalancer: round-robin
                    retries: { attempts: 1, on: [503], backoff: 1ms }
                consumers:
                  - { id: acme, groups: [partners], credentials: [ { apiKey: acme-key-0123456789abcdef } ] }
                routes:
                  - id: dashboard
                    match: { path: "/dashboard/{userId}", methods: [GET] }
                    auth: [apiKey]
                    aggregate:
                      calls:
                        profile: { service: users, path: "/users/{userId}" }
                        orders:  { service: orders, path: "/orders?user={userId}", timeout: 800ms, optional: true }
                        recs:    { service: catalog, path: "/recommendations/{profile.segment}" }
                      merge: group
                  - id: parallel
                    match: { path: /parallel }
                    aggregate:
                      calls:
                        a: { service: users, path: /slow/a }
                        b: { service: orders, path: /slow/b }
                        c: { service: catalog, path: /slow/c }
                      merge: merge
                  - id: optional-fails
                    match: { path: /optional }
                    aggregate:
                      calls:
                        profile: { service: users, path: /users/7 }
                        orders:  { service: dead, path: /orders, optional: true }
                        broken:  { service: orders, path: /broken, optional: true }
                        recs:    { service: catalog, path: /text, fallback: { items: [] } }
                  - id: required-fails
                    match: { path: /required }
                    aggregate:
                      calls:
                        profile: { service: users, path: /users/7 }
                        orders:  { service: orders, path: /broken }
                  - id: required-not-json
                    match: { path: /not-json }
                    aggregate:
                      calls:
                        words: { service: users, path: /text }
                  - id: required-slow
                    match: { path: /required-slow }
                    aggregate:
                      calls:
                        late: { service: users, path: /very-slow, timeout: 200ms }
                  - id: deadline
                    match: { path: /deadline }
                    aggregate:
                      timeout: 400ms
                      calls:
                        quick: { service: users, path: /users/7 }
                        late:  { service: orders, path: /very-slow, optional: true }
                  - id: dependent-on-failure
                    match: { path: /cascade }
                    aggregate:
                      calls:
                        profile: { service: dead, path: /users/7, optional: true }
                        recs:    { service: catalog, path: "/recommendations/{profile.segment}", optional: true }
                  - id: bounded
                    match: { path: /bounded }
                    aggregate:
                      maxBodyBytes: 1KiB
                      calls:
                        big: { service: users, path: /big }
                  - id: merged-clash
                    match: { path: "/clash/{id}" }
                    aggregate:
                      merge: merge
                      calls:
                        price: { service: catalog, path: "/prices/{id}" }
                        stock: { service: orders, path: "/stock/{id}" }
                  - id: merged-precedence
                    match: { path: "/merged/{id}" }
                    aggregate:
                      merge: merge
                      precedence: [stock, price]
                      calls:
                        price: { service: catalog, path: "/prices/{id}" }
                        stock: { service: orders, path: "/stock/{id}" }
                  - id: selected
                    match: { path: /selected }
                    aggregate:
                      calls:
                        items: { service: users, path: /envelope, select: /data/items }
                        who:   { service: users, path: /users/7, select: [id, name] }
                        zipped: { service: users, path: /zipped }
                  - id: posting
                    match: { path: "/post/{userId}" }
                    aggregate:
                      calls:
                        profile: { service: users, path: "/users/{userId}" }
                        save: { service: orders, path: /echo-body, body: { user: "{profile.name}", tier: "{profile.tier}", from: "{header.X-Source}" } }
                  - id: injected
                    match: { path: "/inject/{userId}" }
                    aggregate:
                      calls:
                        orders:  { service: orders, path: "/orders?user={userId}&tenant={header.X-Tenant}" }
                        profile: { service: users, path: "/users/{userId}", optional: true }
                  - id: segments
                    match: { path: "/segments/{userId}" }
                    aggregate:
                      calls:
                        profile: { service: users, path: "/users/{userId}" }
                        recs:    { service: catalog, path: "/recommendations/{profile.segment}", optional: true }
                  - id: header-in-path
                    match: { path: /by-header }
                    aggregate:
                      calls:
                        who: { service: users, path: "/users/{header.X-User}" }
                  - id: retried
                    match: { path: /retried }
                    aggregate:
                      calls:
                        a: { service: retrying, path: /flaky }
                        b: { service: retrying, path: /flaky }
                """.formatted(backend.url(), sick.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
        sick.close();
    }

    static RawHttp.Response get(String path, String... headers) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n" + String.join("", headers) + "\r\n");
            return c.read();
        }
    }

    @Test
    void groupsEachResultUnderItsCallAndWaitsForTheCallItUses() throws Exception {
        RawHttp.Response res = get("/dashboard/7", "X-API-Key: acme-key-0123456789abcdef\r\n", "X-Request-Id: dash-1\r\n",
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n");
        assertThat(res.status()).isEqualTo(200);
        assertThat(res.header("content-type")).startsWith("application/json");
        assertThat(res.header("turnpike-partial")).isNull();
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("profile").get("name").asText()).isEqualTo("Ada");
        assertThat(body.get("orders")).hasSize(2);
        assertThat(body.get("recs").get("items").get(0).asText()).isEqualTo("SICP");
        assertThat(body.has("_errors")).isFalse();

        List<JsonBackend.Seen> calls = backend.seen.stream()
                .filter(s -> "dash-1".equals(s.headers().get("x-request-id"))).toList();
        assertThat(calls).extracting(JsonBackend.Seen::uri)
                .containsExactlyInAnyOrder("/users/7", "/orders?user=7", "/recommendations/books");
        JsonBackend.Seen profile = calls.stream().filter(s -> s.uri().equals("/users/7")).findFirst().orElseThrow();
        JsonBackend.Seen recs = calls.stream().filter(s -> s.uri().startsWith("/recommendations")).findFirst().orElseThrow();
        assertThat(recs.atNanos()).isGreaterThan(profile.atNanos()); // it needed the profile's segment
        for (JsonBackend.Seen s : calls) {
            assertThat(s.headers().get("x-consumer-id")).isEqualTo("acme");
            assertThat(s.headers().get("x-consumer-groups")).isEqualTo("partners");
            assertThat(s.headers().get("traceparent")).startsWith("00-0af7651916cd43dd8448eb211c80319c-");
            assertThat(s.headers().get("x-api-key")).isNull(); // the credential stays at the gateway
        }
    }

    @Test
    void eachCallIsASpanOfTheRequestsTraceWhenSpansAreRecorded() throws Exception {
        java.util.concurrent.CompletableFuture<List<io.turnpike.core.ExchangeView.Attempt>> seen =
                new java.util.concurrent.CompletableFuture<>();
        gateway.observe(x -> {
            if ("/retried".equals(x.path())) seen.complete(List.copyOf(x.attempts()));
        }, true);
        try {
            assertThat(get("/retried", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n")
                    .status()).isEqualTo(200);
            List<io.turnpike.core.ExchangeView.Attempt> attempts = seen.get(5, java.util.concurrent.TimeUnit.SECONDS);
            // two calls, one of them tried twice (503 from the sick node, then the good one)
            assertThat(attempts).hasSize(3);
            assertThat(attempts).extracting(io.turnpike.core.ExchangeView.Attempt::outcome)
                    .containsExactlyInAnyOrder("ok", "ok", "failed");
            assertThat(attempts).extracting(io.turnpike.core.ExchangeView.Attempt::spanId).doesNotHaveDuplicates();
            List<String> parents = backend.seen.stream().filter(s -> s.uri().equals("/flaky"))
                    .map(s -> s.headers().get("traceparent")).filter(t -> t.contains("4bf92f3577b34da6a3ce929d0e0e4736"))
                    .toList();
            assertThat(parents).hasSize(2).allSatisfy(t -> assertThat(attempts)
                    .anySatisfy(a -> assertThat(t).contains(a.spanId())));
        } finally {
            gateway.observe(io.turnpike.core.ExchangeObserver.NONE, false);
        }
    }

    @Test
    void callsWithoutDependenciesRunInParallel() throws Exception {
        long t0 = System.nanoTime();
        RawHttp.Response res = get("/parallel");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(res.status()).isEqualTo(200);
        assertThat(Json.parse(res.body())).isEqualTo(Json.parse("{\"a\":1,\"b\":2,\"c\":3}"));
        assertThat(ms).as("three 300 ms calls at once, not one after another").isLessThan(800);
    }

    @Test
    void optionalFailuresLeaveNullOrTheFallbackAndSayWhatIsMissing() throws Exception {
        RawHttp.Response res = get("/optional");
        assertThat(res.status()).isEqualTo(200);
        assertThat(res.header("turnpike-partial")).isEqualTo("orders, broken, recs");
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("profile").get("id").asInt()).isEqualTo(7);
        assertThat(body.get("orders").isNull()).isTrue();
        assertThat(body.get("broken").isNull()).isTrue();
        assertThat(body.get("recs")).isEqualTo(Json.parse("{\"items\":[]}"));
        assertThat(body.get("_errors").get("orders").asText()).contains("could not connect to service dead");
        assertThat(body.get("_errors").get("broken").asText()).contains("answered status 500");
        assertThat(body.get("_errors").get("recs").asText()).contains("text/plain, not JSON");
    }

    @Test
    void aRequiredFailureFailsTheWholeAnswerNamingTheCall() throws Exception {
        RawHttp.Response res = get("/required");
        assertThat(res.status()).isEqualTo(502);
        assertThat(res.header("content-type")).isEqualTo("application/problem+json");
        assertThat(Json.parse(res.body()).get("detail").asText())
                .isEqualTo("call orders (service orders) failed: service orders answered status 500");

        RawHttp.Response text = get("/not-json");
        assertThat(text.status()).isEqualTo(502);
        assertThat(Json.parse(text.body()).get("detail").asText()).contains("call words").contains("not JSON");
    }

    @Test
    void aRequiredCallThatTimesOutIs504() throws Exception {
        long t0 = System.nanoTime();
        RawHttp.Response res = get("/required-slow");
        assertThat(res.status()).isEqualTo(504);
        assertThat(Json.parse(res.body()).get("detail").asText()).contains("call late").contains("200 ms");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1200);
    }

    @Test
    void theWholeAggregationHasADeadline() throws Exception {
        long t0 = System.nanoTime();
        RawHttp.Response res = get("/deadline");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(res.status()).isEqualTo(200);
        assertThat(ms).isBetween(350L, 1200L);
        assertThat(res.header("turnpike-partial")).isEqualTo("late");
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("quick").get("id").asInt()).isEqualTo(7);
        assertThat(body.get("late").isNull()).isTrue();
        assertThat(body.get("_errors").get("late").asText()).contains("deadline of 400 ms");
    }

    @Test
    void aCallWhoseInputFailedFailsToo() throws Exception {
        RawHttp.Response res = get("/cascade");
        assertThat(res.status()).isEqualTo(200);
        assertThat(res.header("turnpike-partial")).isEqualTo("profile, recs");
        assertThat(Json.parse(res.body()).get("_errors").get("recs").asText())
                .contains("needs the result of call profile");
    }

    @Test
    void answersAreReadWithASizeBound() throws Exception {
        RawHttp.Response res = get("/bounded");
        assertThat(res.status()).isEqualTo(502);
        assertThat(Json.parse(res.body()).get("detail").asText()).contains("call big").contains("1024 bytes");
    }

    @Test
    void mergeJoinsObjectsAndAKeyBothReturnIsAnErrorWithoutPrecedence() throws Exception {
        RawHttp.Response clash = get("/clash/7");
        assertThat(clash.status()).isEqualTo(502);
        assertThat(Json.parse(clash.body()).get("detail").asText())
                .contains("calls price and stock both return \"id\"");

        RawHttp.Response merged = get("/merged/7");
        assertThat(merged.status()).isEqualTo(200);
        assertThat(Json.parse(merged.body()))
                .isEqualTo(Json.parse("{\"id\":7,\"price\":10,\"currency\":\"EUR\",\"stock\":4}"));
    }

    @Test
    void selectTakesPartOfAResultAndGzipAnswersAreDecoded() throws Exception {
        RawHttp.Response res = get("/selected");
        assertThat(res.status()).isEqualTo(200);
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("items")).isEqualTo(Json.parse("[{\"sku\":\"a\"},{\"sku\":\"b\"}]"));
        assertThat(body.get("who")).isEqualTo(Json.parse("{\"id\":7,\"name\":\"Ada\"}"));
        assertThat(body.get("zipped")).isEqualTo(Json.parse("{\"zipped\":true}"));
    }

    @Test
    void aCallBodyUsesAnotherCallsResultAndTheRequest() throws Exception {
        RawHttp.Response res = get("/post/7", "X-Source: mobile-app\r\n");
        assertThat(res.status()).isEqualTo(200);
        JsonBackend.Seen save = backend.seen.stream().filter(s -> s.uri().equals("/echo-body")).reduce((a, b) -> b)
                .orElseThrow();
        assertThat(save.method()).isEqualTo("POST");
        assertThat(Json.parse(save.body()))
                .isEqualTo(Json.parse("{\"user\":\"Ada\",\"tier\":\"gold\",\"from\":\"mobile-app\"}"));
        assertThat(save.headers().get("content-type")).isEqualTo("application/json");
    }

    static List<String> urisSentFor(String requestId) {
        return backend.seen.stream().filter(x -> requestId.equals(x.headers().get("x-request-id")))
                .map(JsonBackend.Seen::uri).toList();
    }

    @Test
    void aRouteVariableCannotAddAParameterToACallsQuery() throws Exception {
        RawHttp.Response res = get("/inject/1&user=2", "X-Tenant: a&b=c d#e\r\n", "X-Request-Id: inject-1\r\n");
        assertThat(res.status()).isEqualTo(200);
        assertThat(urisSentFor("inject-1")).containsExactlyInAnyOrder(
                "/orders?user=1%26user%3D2&tenant=a%26b%3Dc%20d%23e",
                "/users/1&user=2"); // in a path segment '&' and '=' are plain characters, and stay

        get("/inject/a%20b%C3%A9", "X-Request-Id: inject-2\r\n"); // its escapes are kept, not encoded again
        assertThat(urisSentFor("inject-2")).contains("/orders?user=a%20b%C3%A9&tenant=");
    }

    @Test
    void aCallsResultCannotLeaveItsPathSegment() throws Exception {
        for (String user : new String[] {"evil", "dots"}) {
            RawHttp.Response res = get("/segments/" + user, "X-Request-Id: segments-" + user + "\r\n");
            assertThat(res.status()).isEqualTo(200);
            assertThat(res.header("turnpike-partial")).isEqualTo("recs");
            assertThat(Json.parse(res.body()).get("_errors").get("recs").asText())
                    .startsWith("the value of {profile.segment} cannot go into the path: it ");
            assertThat(urisSentFor("segments-" + user)).containsExactly("/users/" + user); // recs was never sent
        }
        assertThat(backend.seen).extracting(JsonBackend.Seen::uri).noneMatch(u -> u.contains("admin"));
        assertThat(get("/segments/7").status()).isEqualTo(200);
    }

    @Test
    void aRequestValueThatWouldLeaveItsPathSegmentIs400AndNothingIsSent() throws Exception {
        for (String user : new String[] {"..", ".", "../admin", "..;x"}) {
            RawHttp.Response res = get("/by-header", "X-User: " + user + "\r\n", "X-Request-Id: by-header-bad\r\n");
            assertThat(res.status()).as(user).isEqualTo(400);
            assertThat(res.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Json.parse(res.body()).get("detail").asText()).as(user)
                    .startsWith("the value of {header.X-User} cannot go into the path: it ");
        }
        assertThat(urisSentFor("by-header-bad")).isEmpty();

        get("/by-header", "X-User: %41 b\r\n", "X-Request-Id: by-header-text\r\n");
        assertThat(urisSentFor("by-header-text")).containsExactly("/users/%2541%20b");
    }

    @Test
    void aCallIsRetriedOnAnotherNodeAsTheServiceSays() throws Exception {
        RawHttp.Response res = get("/retried");
        assertThat(res.status()).isEqualTo(200);
        assertThat(Json.parse(res.body())).isEqualTo(Json.parse("{\"a\":{\"fine\":true},\"b\":{\"fine\":true}}"));
        assertThat(sick.seen).isNotEmpty(); // round-robin sent one of the two calls there first
    }

    @Test
    void anAggregateRouteStillAuthenticates() throws Exception {
        assertThat(get("/dashboard/7").status()).isEqualTo(401);
    }
}
