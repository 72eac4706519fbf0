package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code clients:}, a route's {@code transform:} and {@code aggregate:}, bound with located messages. */
class ComposeConfigTest {
    private static final String SERVICES = """
            services:
              users: { nodes: [http://u:1] }
              orders: { nodes: [http://o:1] }
              catalog: { nodes: [http://c:1] }
            """;

    @Test
    void readsProfilesInOrder() {
        GatewayConfig c = good(SERVICES + """
                clients:
                  mobile:  { when: { header: { X-Client: mobile } } }
                  web:     { when: { userAgent: "(?i)mozilla" } }
                  partner: { when: { group: partners } }
                  app:     { when: { claim: { client_type: app } } }
                routes: []
                """);
        assertThat(c.clients()).extracting(ClientProfileSpec::name).containsExactly("mobile", "web", "partner", "app");
        assertThat(c.clients().get(0).headers()).containsEntry("x-client", "mobile");
        assertThat(c.clients().get(1).userAgent().pattern()).isEqualTo("(?i)mozilla");
        assertThat(c.clients().get(2).group()).isEqualTo("partners");
        assertThat(c.clients().get(3).claims()).containsEntry("client_type", "app");
    }

    @Test
    void reportsBadProfiles() {
        assertThat(problems(SERVICES + """
                clients:
                  any: {}
                  web: { when: { userAgent: "(unclosed" } }
                  odd: { when: { browser: firefox } }
                routes: []
                """)).containsExactly(
                "turnpike.yaml:6:8: clients.any: profile \"any\" has no conditions, so the profiles after it never match"
                        + " (expected: conditions like {header: {X-Client: mobile}}, {userAgent: \"(?i)iphone\"},"
                        + " {group: partners} or {claim: {client_type: app}}, or this profile last)",
                "turnpike.yaml:7:29: clients.web.when.userAgent: \"(unclosed\" is not a valid regular expression:"
                        + " missing closing ) at `(unclosed` (expected: an RE2 regular expression like (?i)iphone)",
                "turnpike.yaml:8:18: clients.odd.when: unknown key \"browser\" (expected one of: header, userAgent, group, claim)");
    }

    @Test
    void userAgentPatternsAreCompiledForTheLinearTimeEngine() {
        GatewayConfig c = good(SERVICES + """
                clients:
                  iphone: { when: { userAgent: "(?i)iphone.*mobile" } }
                  nested: { when: { userAgent: "^(a+)+b" } }
                routes: []
                """);
        // RE2/J: its matching time grows with the input's length, never exponentially with the pattern
        assertThat(c.clients()).extracting(ClientProfileSpec::userAgent).hasOnlyElementsOfType(com.google.re2j.Pattern.class);
        assertThat(c.clients().get(1).userAgent().pattern()).isEqualTo("^(a+)+b");
    }

    @Test
    void refusesUserAgentPatternsOnlyABacktrackingEngineCanRun() {
        String engine = ", which the linear-time regex engine (RE2) that User-Agent patterns run on does not have:"
                + " no backreferences, lookaround, atomic groups or possessive quantifiers, repeats up to {1000}"
                + " (expected: an RE2 regular expression like (?i)iphone)";
        assertThat(problems(SERVICES + """
                clients:
                  a: { when: { userAgent: '(\\w+)-\\1' } }
                  b: { when: { userAgent: "iphone(?!.*ipad)" } }
                  c: { when: { userAgent: "(?<!x)mobile" } }
                  d: { when: { userAgent: "(?>a|ab)c" } }
                  e: { when: { userAgent: "a++b" } }
                routes: []
                """)).containsExactly(
                "turnpike.yaml:6:27: clients.a.when.userAgent: \"(\\\\w+)-\\\\1\" uses a backreference at `\\1`" + engine,
                "turnpike.yaml:7:27: clients.b.when.userAgent: \"iphone(?!.*ipad)\" uses a lookahead at `(?!`" + engine,
                "turnpike.yaml:8:27: clients.c.when.userAgent: \"(?<!x)mobile\" uses a lookbehind at `(?<!x)mobile`" + engine,
                "turnpike.yaml:9:27: clients.d.when.userAgent: \"(?>a|ab)c\" uses an atomic group at `(?>`" + engine,
                "turnpike.yaml:10:27: clients.e.when.userAgent: \"a++b\" uses a possessive quantifier at `++`" + engine);
    }

    @Test
    void aTransformNamesDeclaredProfilesAndCheckedPaths() {
        List<String> p = problems(SERVICES + """
                clients:
                  mobile: { when: { header: { X-Client: mobile } } }
                routes:
                  - id: u
                    match: { path: "/users/{id}" }
                    service: users
                    transform:
                      tablet: { response: { keep: [id] } }
                      mobile: { response: { keep: ["items[[].id"], rename: { name: "a.b" }, set: { x: "{who}" } } }
                      default: { request: { path: "/v2/{user}" } }
                """);
        assertThat(p).containsExactly(
                "turnpike.yaml:12:7: routes[0].transform: no client profile \"tablet\" (expected: default or one of the profiles: mobile)",
                "turnpike.yaml:13:36: routes[0].transform.mobile.response.keep[0]: \"items[[].id\" (expected: a field path like id, user.name or items[].id)",
                "turnpike.yaml:13:68: routes[0].transform.mobile.response.rename.name: \"a.b\" (expected: a plain field name like fullName (it stays where the old field was))",
                "turnpike.yaml:13:87: routes[0].transform.mobile.response.set.x: \"{who}\" uses {who}, which is not defined"
                        + " (expected: {id}, {header.NAME}, {query.NAME}, {claim.NAME}, {consumer.id}, {consumer.groups}, {profile}, {requestId})",
                "turnpike.yaml:14:35: routes[0].transform.default.request.path: \"/v2/{user}\" uses {user}, which is not defined"
                        + " (expected: {id}, {header.NAME}, {query.NAME}, {claim.NAME}, {consumer.id}, {consumer.groups}, {profile}, {requestId})");
    }

    @Test
    void headerNamesAreChecked() {
        assertThat(problems(SERVICES + """
                routes:
                  - id: u
                    match: { path: /u }
                    service: users
                    transform:
                      default: { response: { headers: { set: { "Bad Name": x }, remove: ["a:b"] } } }
                """)).containsExactly(
                "turnpike.yaml:10:48: routes[0].transform.default.response.headers.set: header name \"Bad Name\" (expected: a header name like X-Api-Version)",
                "turnpike.yaml:10:74: routes[0].transform.default.response.headers.remove[0]: \"a:b\" (expected: a header name like X-Internal)");
    }

    @Test
    void aHeaderOrQueryValueMayBeMarkedSecret() {
        GatewayConfig c = good(SERVICES + """
                routes:
                  - id: u
                    match: { path: /u }
                    service: users
                    transform:
                      default:
                        request:
                          headers: { set: { Authorization: { value: "Bearer ${UP_TOKEN}", secret: true }, X-A: a } }
                          query: { set: { sig: { value: "{header.X-Sig}", secret: "false" } } }
                """, java.util.Map.of("UP_TOKEN", "t0k"));
        TransformSpec.Request request = c.routes().get(0).transform().byProfile().get("default").request();
        assertThat(request.headers().set()).containsEntry("Authorization", "Bearer t0k").containsEntry("X-A", "a");
        assertThat(request.query()).containsEntry("sig", "{header.X-Sig}");
        assertThat(problems(SERVICES + """
                routes:
                  - id: u
                    match: { path: /u }
                    service: users
                    transform:
                      default:
                        response:
                          headers: { add: { X-A: { value: v, secret: maybe }, X-B: { secret: true }, X-C: { value: v, hide: 1 } } }
                """)).containsExactly(
                "turnpike.yaml:12:54: routes[0].transform.default.response.headers.add.X-A.secret: \"maybe\" (expected: true or false)",
                "turnpike.yaml:12:68: routes[0].transform.default.response.headers.add.X-B: missing \"value\" (expected: a header value)",
                "turnpike.yaml:12:103: routes[0].transform.default.response.headers.add.X-C: unknown key \"hide\" (expected one of: value, secret)");
    }

    @Test
    void readsAnAggregationWithItsDependencies() {
        RouteSpec r = good(SERVICES + """
                routes:
                  - id: dash
                    match: { path: "/dashboard/{userId}" }
                    aggregate:
                      calls:
                        profile: { service: users, path: "/users/{userId}" }
                        orders:  { service: orders, path: "/orders?user={userId}", timeout: 800ms, optional: true }
                        recs:    { service: catalog, path: "/recommendations/{profile.segment}", select: /items }
                      merge: group
                      timeout: 2s
                """).routes().get(0);
        assertThat(r.service()).isNull();
        AggregateSpec a = r.aggregate();
        assertThat(a.calls().keySet()).containsExactly("profile", "orders", "recs");
        assertThat(a.calls().get("recs").dependsOn()).containsExactly("profile");
        assertThat(a.calls().get("orders").optional()).isTrue();
        assertThat(a.calls().get("recs").select()).isEqualTo("/items");
        assertThat(a.timeout()).hasSeconds(2);
    }

    @Test
    void reportsCyclesAndUnknownReferences() {
        assertThat(problems(SERVICES + """
                routes:
                  - id: dash
                    match: { path: "/d/{id}" }
                    aggregate:
                      calls:
                        a: { service: users, path: "/a/{c.x}" }
                        b: { service: orders, path: "/b/{a.y}" }
                        c: { service: catalog, path: "/c/{b.z}" }
                        d: { service: catalog, path: "/d/{nope.z}" }
                        e: { service: nowhere, path: "/e/{d.d}" }
                        f: { service: users, path: "/f/{f.x}" }
                """)).containsExactly(
                "turnpike.yaml:10:12: routes[0].aggregate.calls.a: calls depend on each other in a cycle: a -> c -> b -> a"
                        + " (expected: each call to use only results of calls that do not wait for it)",
                "turnpike.yaml:13:38: routes[0].aggregate.calls.d.path: \"/d/{nope.z}\" uses {nope.z}, which is not defined"
                        + " (expected: {id}, {header.NAME}, {query.NAME}, {claim.NAME}, {consumer.id}, {consumer.groups},"
                        + " {profile}, {requestId}, a call's result like {a.field})",
                "turnpike.yaml:14:23: routes[0].aggregate.calls.e.service: no service \"nowhere\" (expected: one of the services: users, orders, catalog)",
                "turnpike.yaml:15:36: routes[0].aggregate.calls.f.path: call \"f\" uses its own result (expected: results of other calls: a, b, c, d, e)");
    }
}
