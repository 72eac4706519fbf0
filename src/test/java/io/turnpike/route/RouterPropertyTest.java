package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
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
import net.jqwik.api.statistics.Statistics;

/** The compiled router answers exactly what a linear scan with the same precedence answers. */
class RouterPropertyTest {

    record Request(String host, String method, String path, String headerValue) {}

    @Property(tries = 3000)
    void routerAgreesWithALinearMatcher(@ForAll("routeSets") List<RouteSpec.Match> routes,
                                        @ForAll("requests") List<Request> requests) {
        List<Router.Entry<Integer>> entries = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) entries.add(new Router.Entry<>(i, routes.get(i)));
        Router<Integer> router = Router.compile(entries);
        LinearMatcher model = new LinearMatcher(routes);

        for (Request r : requests) {
            HttpHeaders headers = new DefaultHttpHeaders();
            Map<String, String> headerMap = Map.of();
            if (r.headerValue() != null) {
                headers.add("X-H", r.headerValue());
                headerMap = Map.of("x-h", r.headerValue());
            }
            RouteMatch<Integer> actual = router.find(r.host(), r.method(), r.path(), headers);
            LinearMatcher.Answer expected = model.find(r.host(), r.method(), r.path(), headerMap);
            Statistics.label("kind").collect(expected.kind());

            String why = r + " against " + routes;
            assertThat(actual.kind()).as(why).isEqualTo(expected.kind());
            switch (actual.kind()) {
                case FOUND -> {
                    assertThat(actual.route()).as(why).isEqualTo(expected.route());
                    List<String> names = new ArrayList<>();
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < actual.variableCount(); i++) {
                        names.add(actual.variableName(i));
                        values.add(actual.variableValue(i));
                    }
                    assertThat(names).as(why).isEqualTo(expected.names());
                    assertThat(values).as(why).isEqualTo(expected.values());
                }
                case METHOD_NOT_ALLOWED -> assertThat(actual.allowed()).as(why).containsExactlyInAnyOrderElementsOf(expected.allowed());
                case NOT_FOUND -> { }
            }
        }
    }

    @Provide
    Arbitrary<List<RouteSpec.Match>> routeSets() {
        Arbitrary<String> path = Combinators.combine(
                Arbitraries.of("a", "b", "c", "a;v", "{x}", "{y}").list().ofMaxSize(3),
                Arbitraries.of("", "**", "/"))
            .as((segments, ending) -> {
                List<String> all = new ArrayList<>(segments);
                if (ending.equals("**")) all.add("**");
                if (ending.equals("/") && !all.isEmpty()) all.add("");
                return all.isEmpty() ? "/" : "/" + String.join("/", all);
            });
        Arbitrary<List<String>> hosts = Arbitraries.of("a.com", "*.a.com", "*.b.a.com", "x.b.a.com")
                .set().ofMaxSize(2).map(List::copyOf);
        Arbitrary<List<String>> methods = Arbitraries.of("GET", "POST").set().ofMaxSize(2).map(List::copyOf);
        Arbitrary<Map<String, String>> headers = Arbitraries.of(Map.of(), Map.of(), Map.of("x-h", "1"), Map.of("x-h", "2"));
        return Combinators.combine(hosts, path, methods, headers).as(RouteSpec.Match::new).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<String> path = Combinators.combine(
                Arbitraries.frequency(Tuple.of(3, "a"), Tuple.of(3, "b"), Tuple.of(2, "c"), Tuple.of(1, "d"),
                                Tuple.of(1, "a;v"), Tuple.of(1, "a;w"), Tuple.of(1, "b%3Bx"), Tuple.of(1, ";"))
                        .list().ofMaxSize(4),
                Arbitraries.of(false, false, false, true))
            .as((segments, trailingSlash) -> segments.isEmpty() ? "/"
                    : "/" + String.join("/", segments) + (trailingSlash ? "/" : ""));
        Arbitrary<String> host = Arbitraries.of("a.com", "X.a.com", "x.b.a.com", "y.b.a.com:8080", "b.a.com", "other.com", null);
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "PUT");
        Arbitrary<String> header = Arbitraries.of("1", "2", null);
        return Combinators.combine(host, method, path, header).as(Request::new).list().ofMinSize(1).ofMaxSize(20);
    }
}
