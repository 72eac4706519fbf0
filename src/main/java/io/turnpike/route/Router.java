package io.turnpike.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
import java.util.List;

/** TEMPORARY linear stand-in; replaced by the compiled router. */
public final class Router<T> {
    public record Entry<T>(T value, RouteSpec.Match match) {}
    private final List<Entry<T>> entries;
    private Router(List<Entry<T>> e) { entries = e; }
    public static <T> Router<T> compile(List<Entry<T>> entries) { return new Router<>(List.copyOf(entries)); }
    public RouteMatch<T> find(String host, String method, String path, HttpHeaders headers) {
        for (Entry<T> e : entries) {
            String p = e.match().path();
            if (p.endsWith("/**") ? path.startsWith(p.substring(0, p.length() - 3)) : p.equals(path)) {
                if (e.match().methods().isEmpty() || e.match().methods().contains(method))
                    return RouteMatch.found(e.value(), new String[0], new String[0]);
                return RouteMatch.methodNotAllowed(java.util.Set.copyOf(e.match().methods()));
            }
        }
        return RouteMatch.notFound();
    }
}
