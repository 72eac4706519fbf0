package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutesConfigTest {
    private static final String SERVICES = """
            services:
              users: { nodes: [http://u:1] }
              orders: { nodes: [http://o:1] }
            routes:
            """;

    private static List<String> routeProblems(String routes) {
        return problems(SERVICES + routes);
    }

    @Test
    void readsAFullRoute() {
        RouteSpec r = good(SERVICES + """
                  - id: users-read
                    match:
                      hosts: [API.Example.com:8443, "*.example.org"]
                      path: /api/users/{id}
                      methods: [get, HEAD]
                      headers: { X-Client: mobile }
                    service: users
                    rewrite: { path: "/users/{id}" }
                    timeout: 800ms
                """).routes().get(0);
        assertThat(r).isEqualTo(new RouteSpec("users-read", 0,
                new RouteSpec.Match(List.of("api.example.com", "*.example.org"), "/api/users/{id}",
                        List.of("GET", "HEAD"), Map.of("x-client", "mobile")),
                "users", new RouteSpec.Rewrite("/users/{id}", null), Duration.ofMillis(800)));
    }

    @Test
    void reportsARouteToAnUnknownService() {
        assertThat(routeProblems("""
                  - { id: r, match: { path: /x }, service: userz }
                """)).containsExactly(
                "turnpike.yaml:5:44: routes[0].service: no service \"userz\" (expected: one of the services: users, orders)");
    }

    @Test
    void reportsDuplicateAndMissingIds() {
        assertThat(routeProblems("""
                  - { id: r, match: { path: /a }, service: users }
                  - { id: r, match: { path: /b }, service: users }
                  - { match: { path: /c }, service: users }
                  - { id: "a b", match: { path: /d }, service: users }
                """)).containsExactly(
                "turnpike.yaml:6:11: routes[1].id: \"r\" is already the id of the route at line 5 (expected: a unique id)",
                "turnpike.yaml:7:5: routes[2]: missing \"id\" (expected: a route id like users-read)",
                "turnpike.yaml:8:11: routes[3].id: \"a b\" (expected: an id of letters, digits and ._-)");
    }

    @Test
    void reportsPathsThatAreNotOneOfTheAllowedForms() {
        assertThat(routeProblems("""
                  - { id: a, match: { path: users }, service: users }
                  - { id: b, match: { path: "/users/{id}.json" }, service: users }
                  - { id: c, match: { path: "/a/**/b" }, service: users }
                  - { id: d, match: { path: "/a/{x}/{x}" }, service: users }
                  - { id: e, match: { methods: [GET] }, service: users }
                  - { id: f, match: { path: /f, methods: [FETCH] }, service: users }
                """)).containsExactly(
                "turnpike.yaml:5:29: routes[0].match.path: \"users\" (expected: a path starting with /, like /users/{id})",
                "turnpike.yaml:6:29: routes[1].match.path: \"/users/{id}.json\" "
                        + "(expected: a variable to fill a whole segment, like /users/{id})",
                "turnpike.yaml:7:29: routes[2].match.path: \"/a/**/b\" (expected: ** only as the last segment, like /api/**)",
                "turnpike.yaml:8:29: routes[3].match.path: \"/a/{x}/{x}\" (expected: each variable once; {x} repeats)",
                "turnpike.yaml:9:21: routes[4].match: missing \"path\" (expected: a path like /users, /users/{id} or /api/**)",
                "turnpike.yaml:10:43: routes[5].match.methods[0]: \"FETCH\" "
                        + "(expected: one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT)");
    }

    @Test
    void reportsARewriteThatUsesVariablesTheMatchDoesNotDefine() {
        assertThat(routeProblems("""
                  - { id: a, match: { path: "/users/{id}" }, service: users, rewrite: { path: "/u/{uid}" } }
                  - { id: b, match: { path: "/users" }, service: users, rewrite: { path: "/v2/{**}" } }
                  - { id: c, match: { path: "/api/**" }, service: users, rewrite: { path: "/v2/{**}" } }
                  - { id: d, match: { path: "/ap/**" }, service: users, rewrite: { stripPrefix: /v1 } }
                """)).containsExactly(
                "turnpike.yaml:5:79: routes[0].rewrite.path: \"/u/{uid}\" uses {uid}, which the match path "
                        + "\"/users/{id}\" does not define (expected: only {id})",
                "turnpike.yaml:6:74: routes[1].rewrite.path: \"/v2/{**}\" uses {**}, which the match path "
                        + "\"/users\" does not define (expected: no variables)",
                "turnpike.yaml:8:81: routes[3].rewrite.stripPrefix: \"/v1\" "
                        + "(expected: whole leading segments of the match path \"/ap/**\", like /ap)");
    }

    @Test
    void reportsASecondRouteWithTheSameMatch() {
        assertThat(routeProblems("""
                  - id: first
                    match: { path: "/users/{id}", methods: [GET] }
                    service: users
                  - id: second
                    match: { methods: [GET], path: "/users/{id}" }
                    service: orders
                """)).containsExactly("turnpike.yaml:9:12: routes[1].match: same match as route \"first\" "
                + "(line 5) (expected: routes that differ in path, hosts, methods or headers)");
    }

    @Test
    void reportsRoutesThatOverlapAfterRenamingVariables() {
        assertThat(routeProblems("""
                  - { id: by-id, match: { path: "/users/{id}", methods: [GET, PUT] }, service: users }
                  - { id: by-uid, match: { path: "/users/{uid}", methods: [DELETE, PUT] }, service: users }
                """)).containsExactly("turnpike.yaml:6:26: routes[1].match: conflicts with route \"by-id\" (line 5): "
                + "both take PUT /users/{uid} on any host (expected: routes that differ in path, hosts, methods or headers)");
    }

    @Test
    void acceptsAHostOrMethodOverrideBesideACatchAll() {
        GatewayConfig c = good(SERVICES + """
                  - { id: any, match: { path: /a }, service: users }
                  - { id: api, match: { path: /a, hosts: [api.example.com] }, service: users }
                  - { id: get, match: { path: /a, methods: [GET] }, service: users }
                """);
        assertThat(c.routes()).hasSize(3);
    }

    @Test
    void reportsTwoCatchAllsForTheSamePath() {
        assertThat(routeProblems("""
                  - { id: one, match: { path: /a }, service: users }
                  - { id: two, match: { path: /a, headers: {} }, service: users }
                """)).containsExactly("turnpike.yaml:6:23: routes[1].match: same match as route \"one\" (line 5) "
                + "(expected: routes that differ in path, hosts, methods or headers)");
    }

    @Test
    void acceptsRoutesThatDifferInHostMethodPathShapeOrHeaders() {
        GatewayConfig c = good(SERVICES + """
                  - { id: a, match: { path: "/users/{id}", hosts: [a.example.com] }, service: users }
                  - { id: b, match: { path: "/users/{id}", hosts: [b.example.com] }, service: users }
                  - { id: c, match: { path: "/users/me", hosts: [a.example.com] }, service: users }
                  - { id: d, match: { path: "/users/**", hosts: [a.example.com] }, service: users }
                  - { id: e, match: { path: "/orders", methods: [GET] }, service: orders }
                  - { id: f, match: { path: "/orders", methods: [POST] }, service: orders }
                  - { id: g, match: { path: "/orders", methods: [POST], headers: { X-V: "2" } }, service: orders }
                """);
        assertThat(c.routes()).extracting(RouteSpec::id).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat(c.routes()).extracting(RouteSpec::index).containsExactly(0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void anAggregateRouteHasCallsAndNoService() {
        assertThat(routeProblems("""
                  - id: r
                    match: { path: /r }
                    service: users
                    aggregate: { calls: {} }
                """)).containsExactly(
                "turnpike.yaml:7:14: routes[0].service: a route with aggregate: calls its own services (expected: no service:)",
                "turnpike.yaml:8:25: routes[0].aggregate.calls: a mapping (expected: at least one call)");
    }
}
