package io.turnpike.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Client profiles and request/response transforms through a real gateway. */
@ExtendWith(NoLeaks.class)
class TransformTest {
    static final String USER = "{\"id\":7,\"name\":\"Ada\",\"avatar\":\"a.png\",\"internalNotes\":\"vip\","
            + "\"items\":[{\"id\":1,\"secret\":\"s\"},{\"id\":2,\"secret\":\"t\"}]}";
    static final String KEY = "acme-key-0123456789abcdef";
    static JsonBackend backend;
    static TestBackend bytes;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new JsonBackend()
                .json("/users/7", USER)
                .on("/zipped/users/7", new JsonBackend.Answer(200, "application/json; charset=utf-8",
                        JsonBackend.utf8(USER), 0, true))
                .on("/text/users/7", new JsonBackend.Answer(200, "text/plain", JsonBackend.utf8("plain words"), 0, false))
                .on("/broken/users/7", new JsonBackend.Answer(200, "application/json", JsonBackend.utf8("{oops"), 0, false))
                .json("/v2/users/7", "{\"v\":2}");
        bytes = new TestBackend("bytes");
        ConfigLoader.Result r = ConfigLoader.parse("transform.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  users: { nodes: [ "%s" ] }
                  bytes: { nodes: [ "%s" ] }
                consumers:
                  - { id: acme, groups: [partners], credentials: [ { apiKey: %s } ] }
                clients:
                  mobile:  { when: { header: { X-Client: mobile } } }
                  web:     { when: { userAgent: "(?i)mozilla" } }
                  partner: { when: { group: partners } }
                routes:
                  - id: users
                    match: { path: "/users/{id}" }
                    service: users
                    transform: &shapes
                      mobile:  { response: { keep: [id, name, avatar, "items[].id"] } }
                      partner:
                        response:
                          drop: [internalNotes, "items[].secret"]
                          rename: { name: fullName }
                          set: { version: 2, requestedBy: "{consumer.id}", "meta.requestId": "{requestId}" }
                          wrap: data
                          headers: { set: { X-Api-Version: "2" } }
                      default: { response: { headers: { remove: [X-Internal], add: { X-Shaped-For: "{profile}" } } } }
                  - id: partner-users
                    match: { path: "/partner/users/{id}" }
                    rewrite: { path: "/users/{id}" }
                    auth: [apiKey]
                    service: users
                    transform: *shapes
                  - id: zipped
                    match: { path: "/zipped/users/{id}" }
                    service: users
                    transform: *shapes
                  - id: text
                    match: { path: "/text/users/{id}" }
                    service: users
                    transform: *shapes
                  - id: broken
                    match: { path: "/broken/users/{id}" }
                    service: users
                    transform: *shapes
                  - id: small
                    match: { path: "/small/users/{id}" }
                    rewrite: { path: "/users/{id}" }
                    service: users
                    transform:
                      default: { response: { drop: [avatar], maxBodyBytes: 64 } }
                  - id: versioned
                    match: { path: "/api/users/{id}" }
                    service: users
                    transform:
                      default:
                        request:
                          path: "/v2/users/{id}"
                          headers: { set: { X-Api-Version: "2", X-Tenant: "{query.tenant}" }, remove: [X-Debug], add: { X-Via-Profile: "{profile}" } }
                          query: { set: { source: gateway }, remove: [debug] }
                  - id: lookup
                    match: { path: "/lookup/{id}" }
                    service: users
                    transform:
                      default:
                        request:
                          query: { set: { user: "{id}", tag: "{header.X-Tag}" } }
                  - id: segment
                    match: { path: "/segment/{id}" }
                    service: users
                    transform:
                      default: { request: { path: "/v2/users/{header.X-Seg}" } }
                  - id: signup
                    match: { path: "/signup", methods: [POST] }
                    service: users
                    auth: [apiKey]
                    transform:
                      default:
                        request:
                          body: { set: { "owner.id": "{consumer.id}", source: "{header.X-Source}" } }
                          maxBodyBytes: 1KiB
                  - id: bytes
                    match: { path: "/bytes/**" }
                    service: bytes
                    transform:
                      mobile: { response: { keep: [id] } }
                  - id: plain
                    match: { path: "/plain/**" }
                    rewrite: { stripPrefix: /plain }
                    service: bytes
                """.formatted(backend.url(), bytes.url(), KEY), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
        bytes.close();
    }

    static RawHttp.Response get(String path, String... headers) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n" + String.join("", headers) + "\r\n");
            return c.read();
        }
    }

    static JsonBackend.Seen last(String uriPrefix) {
        return backend.seen.stream().filter(s -> s.uri().startsWith(uriPrefix)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void theSameRouteGivesEachProfileItsOwnShape() throws Exception {
        RawHttp.Response mobile = get("/users/7", "X-Client: mobile\r\n");
        assertThat(mobile.status()).isEqualTo(200);
        assertThat(Json.parse(mobile.body())).isEqualTo(Json.parse(
                "{\"id\":7,\"name\":\"Ada\",\"avatar\":\"a.png\",\"items\":[{\"id\":1},{\"id\":2}]}"));
        assertThat(mobile.header("content-length"))
                .isEqualTo(String.valueOf(mobile.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(mobile.header("etag")).isNull(); // the body changed

        RawHttp.Response partner = get("/partner/users/7", "X-API-Key: " + KEY + "\r\n", "X-Request-Id: req-42\r\n");
        assertThat(partner.status()).isEqualTo(200);
        assertThat(partner.header("x-api-version")).isEqualTo("2");
        JsonNode data = Json.parse(partner.body()).get("data");
        assertThat(data.get("fullName").asText()).isEqualTo("Ada");
        assertThat(data.has("name")).isFalse();
        assertThat(data.has("internalNotes")).isFalse();
        assertThat(data.get("items")).isEqualTo(Json.parse("[{\"id\":1},{\"id\":2}]"));
        assertThat(data.get("version").asInt()).isEqualTo(2);
        assertThat(data.get("requestedBy").asText()).isEqualTo("acme");
        assertThat(data.get("meta").get("requestId").asText()).isEqualTo("req-42");

        RawHttp.Response web = get("/users/7", "User-Agent: Mozilla/5.0 (X11)\r\n");
        assertThat(Json.parse(web.body())).isEqualTo(Json.parse(USER)); // web falls back to default: headers only
        assertThat(web.header("x-internal")).isNull();
        assertThat(web.header("x-shaped-for")).isEqualTo("web");
        assertThat(web.header("etag")).isEqualTo("\"v1\"");
    }

    @Test
    void upstreamsLearnTheProfileAndCannotBeToldAnother() throws Exception {
        get("/users/7", "X-Client: mobile\r\n", "X-Client-Profile: partner\r\n", "Accept-Encoding: br\r\n");
        JsonBackend.Seen seen = last("/users/7");
        assertThat(seen.headers().get("x-client-profile")).isEqualTo("mobile");
        assertThat(seen.headers().get("accept-encoding")).isEqualTo("identity"); // what both can decode
        get("/users/7", "X-Client: mobile\r\n", "Accept-Encoding: br, gzip\r\n");
        assertThat(last("/users/7").headers().get("accept-encoding")).isEqualTo("gzip");

        get("/users/7", "X-Client-Profile: partner\r\n");
        assertThat(last("/users/7").headers().get("x-client-profile")).isEqualTo("default");
    }

    @Test
    void aGzipAnswerIsDecodedForTheTransform() throws Exception {
        RawHttp.Response res = get("/zipped/users/7", "X-Client: mobile\r\n");
        assertThat(res.status()).isEqualTo(200);
        assertThat(res.header("content-encoding")).isNull();
        assertThat(Json.parse(res.body()).get("items")).isEqualTo(Json.parse("[{\"id\":1},{\"id\":2}]"));
    }

    @Test
    void nonJsonPassesThroughAndBrokenJsonIs502() throws Exception {
        RawHttp.Response text = get("/text/users/7", "X-Client: mobile\r\n");
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.body()).isEqualTo("plain words");

        RawHttp.Response missing = get("/users/8", "X-Client: mobile\r\n"); // a 404 JSON error keeps its shape
        assertThat(missing.status()).isEqualTo(404);
        assertThat(Json.parse(missing.body()).get("error").asText()).isEqualTo("no such thing");

        RawHttp.Response broken = get("/broken/users/7", "X-Client: mobile\r\n");
        assertThat(broken.status()).isEqualTo(502);
        assertThat(Json.parse(broken.body()).get("detail").asText()).contains("service users").contains("not valid JSON");
    }

    @Test
    void aBodyOverTheTransformLimitIs502NamingTheLimit() throws Exception {
        RawHttp.Response res = get("/small/users/7");
        assertThat(res.status()).isEqualTo(502);
        assertThat(Json.parse(res.body()).get("detail").asText()).contains("transform limit of 64 bytes");
        // The connection is usable for the next request all the same.
        assertThat(get("/users/7").status()).isEqualTo(200);
    }

    @Test
    void requestTransformsEditHeadersPathAndQuery() throws Exception {
        RawHttp.Response res = get("/api/users/7?tenant=t1&debug=1&keep=yes", "X-Debug: on\r\n");
        assertThat(res.status()).isEqualTo(200);
        JsonBackend.Seen seen = last("/v2/users/7");
        assertThat(seen.uri()).startsWith("/v2/users/7?").contains("tenant=t1").contains("keep=yes")
                .contains("source=gateway").doesNotContain("debug");
        assertThat(seen.headers().get("x-api-version")).isEqualTo("2");
        assertThat(seen.headers().get("x-tenant")).isEqualTo("t1");
        assertThat(seen.headers().get("x-debug")).isNull();
        assertThat(seen.headers().get("x-via-profile")).isEqualTo("default");

        // A decoded query value cannot split a header: its control characters become spaces.
        assertThat(get("/api/users/7?tenant=a%0D%0AX-Evil:%201").status()).isEqualTo(200);
        JsonBackend.Seen evil = last("/v2/users/7");
        assertThat(evil.headers().get("x-tenant")).isEqualTo("a  X-Evil: 1");
        assertThat(evil.headers().get("x-evil")).isNull();

        // Text past ASCII goes as its UTF-8 bytes, not cut to Latin-1.
        assertThat(get("/api/users/7?tenant=jos%C3%A9-%E6%9D%8E").status()).isEqualTo(200);
        String received = last("/v2/users/7").headers().get("x-tenant"); // the bytes, one char each
        assertThat(new String(received.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("jos\u00e9-\u674e");
    }

    @Test
    void aQueryValueFromTheRequestStaysOneValue() throws Exception {
        get("/lookup/1&user=2?keep=yes", "X-Tag: x&y=z\r\n");
        assertThat(last("/lookup/").uri()).isEqualTo("/lookup/1&user=2?keep=yes&user=1%26user%3D2&tag=x%26y%3Dz");
        get("/lookup/a%20b"); // a path variable's escapes are kept, not encoded a second time
        assertThat(last("/lookup/").uri()).isEqualTo("/lookup/a%20b?user=a%20b&tag=");
    }

    @Test
    void aTransformPathValueThatWouldLeaveItsSegmentIs400() throws Exception {
        int before = backend.seen.size();
        for (String seg : new String[] {"..", "../admin", ".;x"}) {
            RawHttp.Response res = get("/segment/1", "X-Seg: " + seg + "\r\n");
            assertThat(res.status()).as(seg).isEqualTo(400);
            assertThat(Json.parse(res.body()).get("detail").asText()).as(seg)
                    .startsWith("the value of {header.X-Seg} cannot go into the path: it ");
        }
        assertThat(backend.seen).hasSize(before);
        assertThat(get("/segment/1", "X-Seg: 7\r\n").status()).isEqualTo(200);
        assertThat(last("/v2/users/").uri()).isEqualTo("/v2/users/7");
    }

    @Test
    void aRequestBodyFieldIsSetFromTheCallerAndAHeader() throws Exception {
        String body = "{\"name\":\"Ada\",\"owner\":{\"id\":\"forged\"}}";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /signup HTTP/1.1\r\nHost: api.test\r\nX-API-Key: " + KEY + "\r\nX-Source: ios\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(404); // the backend has no /signup; what it was sent matters
        }
        JsonBackend.Seen seen = last("/signup");
        assertThat(Json.parse(seen.body())).isEqualTo(Json.parse(
                "{\"name\":\"Ada\",\"owner\":{\"id\":\"acme\"},\"source\":\"ios\"}"));
        assertThat(seen.headers().get("content-length")).isEqualTo(String.valueOf(seen.body().length()));

        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /signup HTTP/1.1\r\nHost: api.test\r\nX-API-Key: " + KEY + "\r\nContent-Length: 5\r\n\r\n[1,2]");
            RawHttp.Response res = c.read();
            assertThat(res.status()).isEqualTo(400);
            assertThat(Json.parse(res.body()).get("detail").asText()).contains("not a JSON object");
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            String big = "{\"x\":\"" + "y".repeat(2000) + "\"}";
            c.send("POST /signup HTTP/1.1\r\nHost: api.test\r\nX-API-Key: " + KEY + "\r\nContent-Length: "
                    + big.length() + "\r\n\r\n" + big);
            assertThat(c.read().status()).isEqualTo(413);
        }
    }

    @Test
    void routesAndProfilesWithoutABodyTransformStillStream() throws Exception {
        // 8 MiB of non-JSON, chunked: relayed as it comes (still chunked), never held to be measured.
        RawHttp.Response plain = get("/plain/bytes/8388608?chunked=true");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(plain.body().length()).isEqualTo(8 * 1024 * 1024);
        RawHttp.Response web = get("/bytes/1048576?chunked=true");
        assertThat(web.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(web.body().length()).isEqualTo(1024 * 1024);
    }
}
