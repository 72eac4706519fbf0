package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.RouteSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathRewriterTest {

    private static String rewrite(RouteSpec.Rewrite rewrite, String pattern, String path) {
        Router<String> router = Router.compile(List.of(
                new Router.Entry<>("r", new RouteSpec.Match(List.of(), pattern, List.of(), Map.of()))));
        RouteMatch<String> match = router.find("h", "GET", path, null);
        assertThat(match.kind()).isEqualTo(RouteMatch.Kind.FOUND);
        return PathRewriter.compile(rewrite).rewrite(path, match);
    }

    private static RouteSpec.Rewrite template(String t) {
        return new RouteSpec.Rewrite(t, null);
    }

    private static RouteSpec.Rewrite strip(String prefix) {
        return new RouteSpec.Rewrite(null, prefix);
    }

    @Test
    void withoutRewriteThePathIsUnchanged() {
        assertThat(rewrite(RouteSpec.Rewrite.NONE, "/a/{x}", "/a/1")).isEqualTo("/a/1");
        assertThat(rewrite(null, "/a/{x}", "/a/1")).isEqualTo("/a/1");
    }

    @Test
    void templateSubstitutesVariables() {
        assertThat(rewrite(template("/users/{id}"), "/api/users/{id}", "/api/users/42")).isEqualTo("/users/42");
        assertThat(rewrite(template("/u/{b}/{a}/x"), "/{a}/{b}", "/1/2")).isEqualTo("/u/2/1/x");
    }

    @Test
    void templateSubstitutesTheRestOfAPrefix() {
        assertThat(rewrite(template("/v2/{**}"), "/api/**", "/api/items/7")).isEqualTo("/v2/items/7");
        assertThat(rewrite(template("/{**}"), "/api/**", "/api/items")).isEqualTo("/items");
        assertThat(rewrite(template("/s/{svc}/{**}"), "/api/{svc}/**", "/api/orders/1/lines")).isEqualTo("/s/orders/1/lines");
    }

    @Test
    void anEmptyRestDropsTheSlashBeforeItUnlessTheRequestHadOne() {
        assertThat(rewrite(template("/v2/{**}"), "/api/**", "/api")).isEqualTo("/v2");
        assertThat(rewrite(template("/v2/{**}"), "/api/**", "/api/")).isEqualTo("/v2/");
        assertThat(rewrite(template("/{**}"), "/api/**", "/api")).isEqualTo("/");
        assertThat(rewrite(template("/v2/{**}/tail"), "/api/**", "/api")).isEqualTo("/v2/tail");
    }

    @Test
    void templateResultAlwaysStartsWithSlash() {
        assertThat(rewrite(template("{**}"), "/api/**", "/api/x/y")).isEqualTo("/x/y");
        assertThat(rewrite(template("{**}"), "/api/**", "/api")).isEqualTo("/");
    }

    @Test
    void anUnknownVariableBecomesEmpty() {
        assertThat(rewrite(template("/x{nope}y"), "/a", "/a")).isEqualTo("/xy");
    }

    @Test
    void stripPrefixRemovesALiteralPrefixAtASegmentBoundary() {
        assertThat(rewrite(strip("/api"), "/api/**", "/api/users/1")).isEqualTo("/users/1");
        assertThat(rewrite(strip("/api/"), "/api/**", "/api/users")).isEqualTo("/users");
        assertThat(rewrite(strip("/api"), "/api/**", "/api")).isEqualTo("/");
        assertThat(rewrite(strip("/api"), "/api/**", "/api/")).isEqualTo("/");
        assertThat(rewrite(strip("/api"), "/**", "/apix/y")).isEqualTo("/apix/y");
        assertThat(rewrite(strip("/api"), "/**", "/other")).isEqualTo("/other");
        assertThat(rewrite(strip("/"), "/**", "/other")).isEqualTo("/other");
    }

    @Test
    void stripPrefixTakesTheParametersOfTheSegmentsItRemoves() {
        assertThat(rewrite(strip("/api"), "/api/**", "/api;v=1/users;x")).isEqualTo("/users;x");
        assertThat(rewrite(strip("/api/v1"), "/api/v1/**", "/api;a/v1%3Bb/users")).isEqualTo("/users");
        assertThat(rewrite(strip("/api/v1"), "/api/v1/**", "/api/v1;b")).isEqualTo("/");
        assertThat(rewrite(strip("/api"), "/api/**", "/api;")).isEqualTo("/");
        assertThat(rewrite(strip("/api"), "/**", "/apix;v/y")).as("another name").isEqualTo("/apix;v/y");
        assertThat(rewrite(strip("/api/v1"), "/**", "/api;a/v2/users")).isEqualTo("/api;a/v2/users");
        assertThat(rewrite(strip("/api/v1"), "/**", "/api;a")).isEqualTo("/api;a");
        assertThat(rewrite(strip("/api"), "/**", "/ap;i/x")).isEqualTo("/ap;i/x");
    }

    @Test
    void templateWinsWhenBothAreSet() {
        assertThat(rewrite(new RouteSpec.Rewrite("/t/{**}", "/api"), "/api/**", "/api/x")).isEqualTo("/t/x");
    }

    @Test
    void variablesGoInAsTheNormalisedPathHasThemAndNeverMakeADotSegment() {
        // A variable is a segment of the normalised path: RequestPath has refused or resolved
        // whatever an origin could read as another segment, so the template copies it verbatim.
        for (String target : new String[] {"/api/users/..;/admin", "/api/users/%2e%2e;x/admin", "/api/users/..%3B/admin",
                "/api/users/.;/x", "/api/users/a%2Fb", "/api/users/a%5Cb", "/api/users/a%00"}) {
            assertThat(RequestPath.parse(target).isValid()).as(target).isFalse();
        }
        assertThat(rewrite(template("/users/{id}"), "/api/users/{id}", RequestPath.parse("/api/users/a;b=c").path()))
                .isEqualTo("/users/a;b=c");
        assertThat(rewrite(template("/users/{id}"), "/api/users/{id}", RequestPath.parse("/api/users/x/%2e%2E/7").path()))
                .isEqualTo("/users/7"); // resolved before routing: {id} is 7
        assertThat(rewrite(template("/v2/{**}"), "/api/**", RequestPath.parse("/api/a/%41%20/../b;v=1").path()))
                .isEqualTo("/v2/a/b;v=1");
    }
}
