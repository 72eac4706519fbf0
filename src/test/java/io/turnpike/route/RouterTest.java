package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    /** Collects routes in file order; a route's value is its name. */
    private final List<Router.Entry<String>> entries = new ArrayList<>();

    private RouterTest route(String name, String path) {
        return route(name, List.of(), path, List.of(), Map.of());
    }

    private RouterTest route(String name, String path, String... methods) {
        return route(name, List.of(), path, List.of(methods), Map.of());
    }

    private RouterTest route(String name, List<String> hosts, String path, List<String> methods, Map<String, String> headers) {
        entries.add(new Router.Entry<>(name, new RouteSpec.Match(hosts, path, methods, headers)));
        return this;
    }

    private RouteMatch<String> find(String path) {
        return find("example.com", "GET", path, null);
    }

    private RouteMatch<String> find(String host, String method, String path, HttpHeaders headers) {
        return Router.compile(entries).find(host, method, path, headers);
    }

    private String found(String path) {
        RouteMatch<String> m = find(path);
        assertThat(m.kind()).as(path).isEqualTo(RouteMatch.Kind.FOUND);
        return m.route();
    }

    @Test
    void literalBeatsVariableBeatsPrefix() {
        route("prefix", "/users/**").route("var", "/users/{id}").route("literal", "/users/me");
        assertThat(found("/users/me")).isEqualTo("literal");
        assertThat(found("/users/42")).isEqualTo("var");
        assertThat(found("/users/42/posts")).isEqualTo("prefix");
        assertThat(found("/users")).isEqualTo("prefix");
    }

    @Test
    void aSegmentsPathParametersDoNotLeadPastTheRouteItNames() {
        route("catch-all", "/**").route("admin", "/api/admin/**").route("user", "/api/users/{id}")
                .route("versioned", "/files/report;v=2").route("file", "/files/report");
        assertThat(found("/api/admin;x/users")).isEqualTo("admin");
        assertThat(found("/api/admin;/users")).isEqualTo("admin");
        assertThat(found("/api/admin%3Bjsessionid=1/users")).isEqualTo("admin");
        assertThat(found("/api;x/admin/users")).isEqualTo("admin");
        assertThat(found("/api/admin;x")).as("the prefix's own segment").isEqualTo("admin");
        assertThat(found("/api/administrator/users")).isEqualTo("catch-all");
        assertThat(found("/api/admin%3Cx/users")).as("another escape is part of the name").isEqualTo("catch-all");
        assertThat(found("/files/report;v=2")).as("a pattern naming the parameters keeps them").isEqualTo("versioned");
        assertThat(found("/files/report;v=3")).isEqualTo("file");
        RouteMatch<String> m = find("/api/users/7;x");
        assertThat(m.route()).isEqualTo("user");
        assertThat(m.variable("id")).as("a variable keeps the segment as it came").isEqualTo("7;x");
    }

    @Test
    void earlierRouteWinsAmongEquals() {
        route("first", "/a/{x}").route("second", "/a/{y}");
        RouteMatch<String> m = find("/a/1");
        assertThat(m.route()).isEqualTo("first");
        assertThat(m.variable("x")).isEqualTo("1");
        assertThat(m.variable("y")).isNull();
    }

    @Test
    void precedenceIsDecidedByTheFirstDifferingSegment() {
        route("var-then-literal", "/{a}/b").route("literal-then-var", "/a/{b}");
        assertThat(found("/a/b")).isEqualTo("literal-then-var");
        assertThat(found("/x/b")).isEqualTo("var-then-literal");
    }

    @Test
    void templateCapturesEverySegmentVariable() {
        route("posts", "/users/{user}/posts/{post}");
        RouteMatch<String> m = find("/users/ann/posts/7");
        assertThat(m.variableCount()).isEqualTo(2);
        assertThat(m.variableName(0)).isEqualTo("user");
        assertThat(m.variableValue(0)).isEqualTo("ann");
        assertThat(m.variable("post")).isEqualTo("7");
        assertThat(find("/users/ann/posts").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(find("/users//posts/7").kind()).as("a variable never captures an empty segment")
                .isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void prefixMatchesItselfAndEverythingBelowAtSegmentBoundaries() {
        route("api", "/api/**");
        assertThat(find("/api").variable("**")).isEqualTo("");
        assertThat(find("/api/").variable("**")).isEqualTo("");
        assertThat(find("/api/v1/users/7").variable("**")).isEqualTo("v1/users/7");
        assertThat(find("/apix").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(find("/").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void rootPrefixMatchesEverything() {
        route("all", "/**").route("root", "/");
        assertThat(found("/")).isEqualTo("root");
        assertThat(find("/x/y").variable("**")).isEqualTo("x/y");
    }

    @Test
    void exactPathBeatsAPrefixEndingAtTheSameSegment() {
        route("prefix", "/api/**").route("exact", "/api");
        assertThat(found("/api")).isEqualTo("exact");
        assertThat(found("/api/x")).isEqualTo("prefix");
    }

    @Test
    void prefixCapturesAfterVariables() {
        route("files", "/buckets/{bucket}/**");
        RouteMatch<String> m = find("/buckets/b1/a/b.txt");
        assertThat(m.variable("bucket")).isEqualTo("b1");
        assertThat(m.variable("**")).isEqualTo("a/b.txt");
        assertThat(m.variableName(1)).isEqualTo("**");
    }

    @Test
    void backtracksOutOfALiteralBranchThatDeadEnds() {
        route("posts", "/users/{id}/posts").route("me", "/users/me");
        RouteMatch<String> m = find("/users/me/posts");
        assertThat(m.route()).isEqualTo("posts");
        assertThat(m.variable("id")).isEqualTo("me");
        assertThat(found("/users/me")).isEqualTo("me");
    }

    @Test
    void backtracksToAShallowerPrefix() {
        route("deep", "/a/b/c").route("var", "/a/{x}/d").route("prefix", "/a/**");
        assertThat(found("/a/b/d")).isEqualTo("var");
        assertThat(find("/a/b/e").variable("**")).isEqualTo("b/e");
    }

    @Test
    void trailingSlashIsADifferentPath() {
        route("plain", "/users").route("slash", "/users/");
        assertThat(found("/users")).isEqualTo("plain");
        assertThat(found("/users/")).isEqualTo("slash");
    }

    @Test
    void methodMismatchIs405WithTheUnionOfAllowedMethods() {
        route("get", "/items/{id}", "GET").route("put", "/items/{x}", "PUT", "PATCH").route("other", "/other", "POST");
        RouteMatch<String> m = find("example.com", "DELETE", "/items/1", null);
        assertThat(m.kind()).isEqualTo(RouteMatch.Kind.METHOD_NOT_ALLOWED);
        assertThat(m.allowed()).containsExactlyInAnyOrder("GET", "PUT", "PATCH");
        assertThat(find("example.com", "PATCH", "/items/1", null).route()).isEqualTo("put");
        assertThat(find("example.com", "DELETE", "/nothing", null).kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void aRouteWithoutMethodsMakesItFoundNot405() {
        route("get", "/items", "GET").route("any", "/items/**");
        assertThat(find("example.com", "POST", "/items", null).route()).isEqualTo("any");
    }

    @Test
    void methodMismatchFallsBackToALowerPrecedenceRoute() {
        route("literal-post", "/users/me", "POST").route("var-get", "/users/{id}", "GET");
        assertThat(find("example.com", "GET", "/users/me", null).route()).isEqualTo("var-get");
        RouteMatch<String> m = find("example.com", "PUT", "/users/me", null);
        assertThat(m.allowed()).containsExactlyInAnyOrder("GET", "POST");
    }

    @Test
    void headerConditionBeatsNoConditionAtTheSamePattern() {
        route("plain", List.of(), "/items", List.of(), Map.of())
                .route("beta", List.of(), "/items", List.of(), Map.of("x-beta", "1"));
        HttpHeaders beta = new DefaultHttpHeaders().add("X-Beta", "1");
        HttpHeaders other = new DefaultHttpHeaders().add("X-Beta", "2");
        assertThat(find("h", "GET", "/items", beta).route()).isEqualTo("beta");
        assertThat(find("h", "GET", "/items", other).route()).isEqualTo("plain");
        assertThat(find("h", "GET", "/items", null).route()).isEqualTo("plain");
    }

    @Test
    void everyHeaderConditionMustHold() {
        route("both", List.of(), "/x", List.of(), Map.of("a", "1", "b", "2"));
        assertThat(find("h", "GET", "/x", new DefaultHttpHeaders().add("a", "1")).kind())
                .isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(find("h", "GET", "/x", new DefaultHttpHeaders().add("a", "1").add("B", "2")).route())
                .isEqualTo("both");
    }

    @Test
    void headerMismatchDoesNotCountTowardsAllow() {
        route("beta", List.of(), "/x", List.of("POST"), Map.of("x-beta", "1")).route("get", "/x", "GET");
        RouteMatch<String> m = find("h", "PUT", "/x", null);
        assertThat(m.allowed()).containsExactly("GET");
    }

    @Test
    void exactHostBeatsWildcardBeatsAnyHost() {
        route("any", "/x")
                .route("wild", List.of("*.example.com"), "/x", List.of(), Map.of())
                .route("exact", List.of("api.example.com"), "/x", List.of(), Map.of());
        assertThat(find("api.example.com", "GET", "/x", null).route()).isEqualTo("exact");
        assertThat(find("web.example.com", "GET", "/x", null).route()).isEqualTo("wild");
        assertThat(find("example.com", "GET", "/x", null).route()).as("a wildcard needs a label").isEqualTo("any");
        assertThat(find("other.org", "GET", "/x", null).route()).isEqualTo("any");
        assertThat(find(null, "GET", "/x", null).route()).isEqualTo("any");
    }

    @Test
    void hostIsCaseInsensitiveAndIgnoresPortAndTrailingDot() {
        route("exact", List.of("Api.Example.com"), "/x", List.of(), Map.of());
        assertThat(find("API.EXAMPLE.COM:8443", "GET", "/x", null).route()).isEqualTo("exact");
        assertThat(find("api.example.com.", "GET", "/x", null).route()).isEqualTo("exact");
        assertThat(find("api.example.org", "GET", "/x", null).kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void ipv6LiteralHostsKeepTheirColons() {
        route("v6", List.of("[::1]"), "/x", List.of(), Map.of());
        assertThat(find("[::1]:8080", "GET", "/x", null).route()).isEqualTo("v6");
    }

    @Test
    void wildcardCoversSeveralLabelsAndTheLongestWins() {
        route("short", List.of("*.example.com"), "/x", List.of(), Map.of())
                .route("long", List.of("*.eu.example.com"), "/x", List.of(), Map.of());
        assertThat(find("a.b.example.com", "GET", "/x", null).route()).isEqualTo("short");
        assertThat(find("a.eu.example.com", "GET", "/x", null).route()).isEqualTo("long");
        assertThat(find("a.b.eu.example.com:80", "GET", "/x", null).route()).isEqualTo("long");
    }

    @Test
    void hostTierWinsOverPathSpecificity() {
        route("any-literal", "/api/users").route("exact-prefix", List.of("api.example.com"), "/api/**", List.of(), Map.of());
        assertThat(find("api.example.com", "GET", "/api/users", null).route()).isEqualTo("exact-prefix");
    }

    @Test
    void aHostThatMatchesNoPathFallsThroughToLessSpecificHosts() {
        route("exact", List.of("api.example.com"), "/users", List.of(), Map.of())
                .route("wild", List.of("*.example.com"), "/orders", List.of(), Map.of())
                .route("health", "/health");
        assertThat(find("api.example.com", "GET", "/orders", null).route()).isEqualTo("wild");
        assertThat(find("api.example.com", "GET", "/health", null).route()).isEqualTo("health");
    }

    @Test
    void aRouteWithSeveralHostsMatchesEach() {
        route("multi", List.of("a.com", "*.b.com"), "/x", List.of(), Map.of());
        assertThat(find("a.com", "GET", "/x", null).route()).isEqualTo("multi");
        assertThat(find("z.b.com", "GET", "/x", null).route()).isEqualTo("multi");
        assertThat(find("c.com", "GET", "/x", null).kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void the405AllowSetSpansHostTiers() {
        route("exact", List.of("api.example.com"), "/x", List.of("GET"), Map.of()).route("any", "/x", "POST");
        assertThat(find("api.example.com", "DELETE", "/x", null).allowed()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(find("api.example.com", "POST", "/x", null).route()).isEqualTo("any");
    }

    @Test
    void pathsThatAreNotOriginFormFindNothing() {
        route("all", "/**");
        assertThat(find("*").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(find("").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void routesWithoutVariablesShareOneAnswer() {
        route("static", "/static");
        Router<String> router = Router.compile(entries);
        assertThat(router.find("h", "GET", "/static", null)).isSameAs(router.find("h", "GET", "/static", null));
        assertThat(router.size()).isEqualTo(1);
    }

    @Test
    void manyLiteralSiblingsAreAllReachable() {
        for (int i = 0; i < 5000; i++) route("svc" + i, "/api/svc" + i + "/items/{id}");
        Router<String> router = Router.compile(entries);
        for (int i = 0; i < 5000; i += 7) {
            RouteMatch<String> m = router.find("h", "GET", "/api/svc" + i + "/items/" + i, null);
            assertThat(m.route()).isEqualTo("svc" + i);
            assertThat(m.variable("id")).isEqualTo(String.valueOf(i));
        }
        assertThat(router.find("h", "GET", "/api/svc5000/items/1", null).kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }
}
