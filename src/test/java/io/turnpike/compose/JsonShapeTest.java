package io.turnpike.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.turnpike.core.Consumer;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.PolicyCall;
import io.turnpike.testing.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each body operation of a response transform on its own, nested arrays included. */
class JsonShapeTest {
    static final String ORDERS = """
            {"id": 7, "name": "Ada", "internal": {"score": 3, "note": "x"},
             "orders": [
               {"id": 1, "secret": "s1", "items": [{"sku": "a", "cost": 1}, {"sku": "b", "cost": 2}]},
               {"id": 2, "secret": "s2", "items": [{"sku": "c", "cost": 3}]}
             ]}""";

    static JsonNode shape(String json, List<String> keep, List<String> drop, Map<String, String> rename,
                          Map<String, JsonNode> set, String wrap, String unwrap) {
        TransformSpec.Response spec = new TransformSpec.Response(TransformSpec.Headers.NONE, keep, drop, rename, set,
                wrap, unwrap, 1 << 20);
        return new JsonShape(spec).apply(Json.parse(json), new Call());
    }

    @Test
    void keepIsAnAllowListWithNestedPathsThroughArrays() {
        JsonNode out = shape(ORDERS, List.of("id", "orders[].items[].sku", "internal.score"), List.of(), Map.of(),
                Map.of(), null, null);
        assertThat(out).isEqualTo(Json.parse("""
                {"id": 7, "internal": {"score": 3},
                 "orders": [{"items": [{"sku": "a"}, {"sku": "b"}]}, {"items": [{"sku": "c"}]}]}"""));
    }

    @Test
    void keepOfAWholeFieldWinsOverItsParts() {
        JsonNode out = shape(ORDERS, List.of("orders[].id", "orders"), List.of(), Map.of(), Map.of(), null, null);
        assertThat(out.get("orders")).isEqualTo(Json.parse(ORDERS).get("orders"));
    }

    @Test
    void keepAppliesToEachElementOfATopLevelArray() {
        JsonNode out = shape("[{\"id\":1,\"x\":2},{\"id\":3,\"x\":4}]", List.of("[].id"), List.of(), Map.of(), Map.of(),
                null, null);
        assertThat(out).isEqualTo(Json.parse("[{\"id\":1},{\"id\":3}]"));
    }

    @Test
    void dropRemovesFieldsAtAnyDepth() {
        JsonNode out = shape(ORDERS, List.of(), List.of("internal", "orders[].secret", "orders[].items[].cost"),
                Map.of(), Map.of(), null, null);
        assertThat(out).isEqualTo(Json.parse("""
                {"id": 7, "name": "Ada",
                 "orders": [{"id": 1, "items": [{"sku": "a"}, {"sku": "b"}]}, {"id": 2, "items": [{"sku": "c"}]}]}"""));
    }

    @Test
    void renameKeepsTheFieldWhereItWas() {
        JsonNode out = shape("{\"a\":1,\"name\":\"Ada\",\"z\":2,\"list\":[{\"sku\":\"a\"}]}", List.of(), List.of(),
                Map.of("name", "fullName", "list[].sku", "code"), Map.of(), null, null);
        assertThat(out.toString()).isEqualTo("{\"a\":1,\"fullName\":\"Ada\",\"z\":2,\"list\":[{\"code\":\"a\"}]}");
    }

    @Test
    void setWritesConstantsAndRequestValuesCreatingObjects() {
        JsonNode out = shape("{\"id\":7,\"orders\":[{\"id\":1},{\"id\":2}]}", List.of(), List.of(), Map.of(),
                new java.util.LinkedHashMap<>(Map.of("version", Json.parse("2"),
                        "meta.client", Json.parse("\"{header.X-Client}/{profile}\""),
                        "orders[].seen", Json.parse("true"))), null, null);
        assertThat(out.get("version").asInt()).isEqualTo(2);
        assertThat(out.get("meta").get("client").asText()).isEqualTo("ios/mobile");
        assertThat(out.get("orders").get(1).get("seen").asBoolean()).isTrue();
    }

    @Test
    void wrapAndUnwrap() {
        assertThat(shape("[1,2]", List.of(), List.of(), Map.of(), Map.of(), "data", null))
                .isEqualTo(Json.parse("{\"data\":[1,2]}"));
        assertThat(shape("{\"data\":{\"x\":1},\"meta\":{}}", List.of(), List.of(), Map.of(), Map.of(), null, "data"))
                .isEqualTo(Json.parse("{\"x\":1}"));
        assertThat(shape("{\"data\":{\"x\":1,\"y\":2}}", List.of("x"), List.of(), Map.of(), Map.of(), "result", "data"))
                .isEqualTo(Json.parse("{\"result\":{\"x\":1}}"));
    }

    /** The request values a transform may read: a header and the profile. */
    static final class Call implements PolicyCall {
        private final java.util.Map<io.turnpike.core.AttrKey<?>, Object> attrs = new java.util.IdentityHashMap<>();
        @SuppressWarnings("unchecked")
        @Override public <T> T attr(io.turnpike.core.AttrKey<T> key) { return (T) attrs.get(key); }
        @Override public <T> void attr(io.turnpike.core.AttrKey<T> key, T value) { attrs.put(key, value); }
        final HttpHeaders headers = new DefaultHttpHeaders().set("X-Client", "ios");

        @Override public HttpHeaders headers() { return headers; }
        @Override public String method() { return "GET"; }
        @Override public String path() { return "/x"; }
        @Override public String query() { return null; }
        @Override public void query(String query) {}
        @Override public byte[] clientAddress() { return new byte[] {127, 0, 0, 1}; }
        @Override public String clientIp() { return "127.0.0.1"; }
        @Override public RouteSpec route() { return null; }
        @Override public long contentLength() { return -1; }
        @Override public void maxBodyBytes(long max) {}
        @Override public Consumer consumer() { return null; }
        @Override public void authenticated(Consumer consumer, Map<String, Object> claims) {}
        @Override public Map<String, Object> claims() { return Map.of(); }
        @Override public void authDecision(String decision) {}
        @Override public HttpHeaders responseHeaders() { return new DefaultHttpHeaders(); }
        @Override public EventExecutor executor() { return null; }
        @Override public long startNanos() { return 0; }
        @Override public String profile() { return "mobile"; }
    }
}
