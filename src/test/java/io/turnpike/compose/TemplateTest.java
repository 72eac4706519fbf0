package io.turnpike.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.turnpike.core.Consumer;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.PolicyCall;
import io.turnpike.route.RequestPath;
import io.turnpike.testing.Json;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Values put into a URI by a template stay data where they land: one path segment, one query value. */
class TemplateTest {

    static String uri(String template, Call call) throws Template.UnsafeValue {
        return Template.compile(template).renderUri(call, null);
    }

    static String uri(String template, Call call, String result) throws Template.UnsafeValue {
        Function<String, JsonNode> results = name -> name.equals("profile") ? Json.parse(result) : null;
        return Template.compile(template).renderUri(call, results);
    }

    @Test
    void aRouteVariableCannotAddAQueryParameter() throws Exception {
        Call call = new Call().pathVariable("userId", "1&user=2");
        assertThat(uri("/orders?user={userId}", call)).isEqualTo("/orders?user=1%26user%3D2");
        assertThat(uri("/orders?user={userId}", new Call().pathVariable("userId", "a+b;c=d"))).isEqualTo("/orders?user=a%2Bb%3Bc%3Dd");
        // in a path the same characters are plain sub-delimiters and stay as they came
        assertThat(uri("/users/{userId}", call)).isEqualTo("/users/1&user=2");
    }

    @Test
    void aRouteVariableKeepsItsEscapesInsteadOfGainingASecondLayer() throws Exception {
        Call call = new Call().pathVariable("id", "a%20b%C3%A9");
        assertThat(uri("/users/{id}?id={id}", call)).isEqualTo("/users/a%20b%C3%A9?id=a%20b%C3%A9");
        assertThat(Template.compile("{id}").renderQueryValue(call)).isEqualTo("a%20b%C3%A9");
    }

    @Test
    void textIsEncodedWholeInAPathSegmentAndInAQuery() throws Exception {
        Call call = new Call().header("X-Tenant", "a b&c=d#e?f%41+é");
        assertThat(uri("/t/{header.X-Tenant}?t={header.X-Tenant}", call)).isEqualTo(
                "/t/a%20b%26c%3Dd%23e%3Ff%2541%2B%C3%A9?t=a%20b%26c%3Dd%23e%3Ff%2541%2B%C3%A9");
    }

    @Test
    void aValueThatWouldMakeADotSegmentIsRefused() {
        for (String v : new String[] {"..", ".", "..;x", ".;"}) {
            assertThatThrownBy(() -> uri("/users/{header.X-User}/orders", new Call().header("X-User", v)))
                    .as(v).isInstanceOf(Template.UnsafeValue.class)
                    .hasMessage("the value of {header.X-User} cannot go into the path: it would make a '.' or '..' segment")
                    .satisfies(e -> assertThat(((Template.UnsafeValue) e).fromResult()).isFalse());
        }
        // two values, or a value and the literal text beside it, make the segment together
        assertThatThrownBy(() -> uri("/u/{header.A}{header.B}", new Call().header("A", ".").header("B", ".")))
                .isInstanceOf(Template.UnsafeValue.class);
        assertThatThrownBy(() -> uri("/u/.{header.A}/x", new Call().header("A", "."))).isInstanceOf(Template.UnsafeValue.class);
    }

    @Test
    void aValueWithASlashCannotLeaveItsSegment() {
        assertThatThrownBy(() -> uri("/recommendations/{profile.segment}", new Call(), "{\"segment\":\"../admin\"}"))
                .isInstanceOf(Template.UnsafeValue.class)
                .hasMessage("the value of {profile.segment} cannot go into the path: it holds '/', '\\' or a control character")
                .satisfies(e -> assertThat(((Template.UnsafeValue) e).fromResult()).isTrue());
        for (String v : new String[] {"a/b", "a%2Fb", "a%5Cb", "a%0D%0Ab", "a%00"}) {
            assertThatThrownBy(() -> uri("/u/{query.x}", new Call().withQuery("x=" + v))).as(v)
                    .isInstanceOf(Template.UnsafeValue.class);
        }
    }

    @Test
    void dotsInsideASegmentAndInAQueryAreOrdinaryText() throws Exception {
        assertThat(uri("/f/{header.X}", new Call().header("X", "report..v2.pdf"))).isEqualTo("/f/report..v2.pdf");
        assertThat(uri("/f/{header.X}", new Call().header("X", "..."))).isEqualTo("/f/...");
        assertThat(uri("/f?name={header.X}", new Call().header("X", "../admin"))).isEqualTo("/f?name=..%2Fadmin");
        assertThat(uri("/recommendations/{profile.segment}", new Call(), "{\"segment\":\"books\"}"))
                .isEqualTo("/recommendations/books");
    }

    @Test
    void asTextForHeadersAndBodiesValuesGoInAsTheyAre() {
        Call call = new Call().pathVariable("id", "a%20b").header("X", "a b&c");
        assertThat(Template.compile("{id}|{header.X}").render(call, null)).isEqualTo("a%20b|a b&c");
    }

    /** Whatever text a header holds, the URI has the template's segments and exactly its one query parameter. */
    @Property(tries = 3000)
    void aTextValueStaysOneSegmentAndOneQueryValue(@ForAll("values") String value) {
        Call call = new Call().header("X-V", value);
        String out;
        try {
            out = uri("/a/{header.X-V}/b?v={header.X-V}&w=1", call);
        } catch (Template.UnsafeValue e) {
            boolean dots = value.replace("%3B", ";").split(";", -1)[0].matches("\\.{1,2}");
            assertThat(dots || value.matches("(?s).*[/\\\\\\x00-\\x1f\\x7f].*")).as(value).isTrue();
            return;
        }
        String path = out.substring(0, out.indexOf('?'));
        assertThat(path.split("/", -1)).as(out).hasSize(4);
        RequestPath again = RequestPath.parse(out);
        assertThat(again.isValid()).as(out).isTrue();
        assertThat(again.path()).as(out).startsWith("/a/").endsWith("/b"); // nothing for an origin to resolve
        Map<String, List<String>> q = new QueryStringDecoder(out).parameters();
        assertThat(q).as(out).containsOnlyKeys("v", "w");
        assertThat(q.get("v")).as(out).containsExactly(value);
        assertThat(new QueryStringDecoder(out).path().split("/", -1)[2]).as(out).isEqualTo(value);
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.of("a", ".", "..", "/", "\\", "?", "#", "&", "=", "+", ";", "%", "%2e", "%2F", "%3B",
                        " ", "é", "\r", "\n", "~", "@", ":")
                .list().ofMinSize(1).ofMaxSize(6)
                .map(parts -> String.join("", parts));
    }

    /** A request as a policy sees it, with the values a template reads. */
    static final class Call implements PolicyCall {
        private final java.util.Map<io.turnpike.core.AttrKey<?>, Object> attrs = new java.util.IdentityHashMap<>();
        @SuppressWarnings("unchecked")
        @Override public <T> T attr(io.turnpike.core.AttrKey<T> key) { return (T) attrs.get(key); }
        @Override public <T> void attr(io.turnpike.core.AttrKey<T> key, T value) { attrs.put(key, value); }
        // any text, as a claim or a decoded query value may hold; a client's headers are checked sooner
        final HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        final Map<String, String> variables = new java.util.HashMap<>();
        String query;

        Call header(String name, String value) {
            headers.set(name, value);
            return this;
        }

        Call withQuery(String query) {
            this.query = query;
            return this;
        }

        Call pathVariable(String name, String value) {
            variables.put(name, value);
            return this;
        }

        @Override public String pathVariable(String name) { return variables.get(name); }
        @Override public HttpHeaders headers() { return headers; }
        @Override public String method() { return "GET"; }
        @Override public String path() { return "/x"; }
        @Override public String query() { return query; }
        @Override public void query(String query) { this.query = query; }
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
    }
}
