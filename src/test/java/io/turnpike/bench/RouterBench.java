package io.turnpike.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
import io.turnpike.route.RouteMatch;
import io.turnpike.route.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of one {@link Router#find} with few and with many routes; a trie should make the two
 * close. Paths rotate over a fixed set that spreads across all services, so the 10,000-route
 * case pays its real cache misses instead of hitting one hot branch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBench {
    private static final int PATHS = 4096;

    @Param({"10", "10000"})
    int routes;

    private Router<String> router;
    private String[] paths;
    private HttpHeaders headers;
    private int next;

    @Setup
    public void setUp() {
        List<Router.Entry<String>> entries = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            // a realistic mix per service: item by id, a sub-tree, a fixed status page
            String path = switch (i % 3) {
                case 0 -> "/api/v1/svc" + i + "/items/{id}";
                case 1 -> "/api/v1/svc" + i + "/files/**";
                default -> "/api/v1/svc" + i + "/status";
            };
            List<String> methods = i % 3 == 0 ? List.of("GET", "PUT") : List.of();
            entries.add(new Router.Entry<>("route" + i, new RouteSpec.Match(List.of(), path, methods, Map.of())));
        }
        router = Router.compile(entries);

        SplittableRandom random = new SplittableRandom(42);
        paths = new String[PATHS];
        for (int p = 0; p < PATHS; p++) {
            int i = random.nextInt(routes);
            paths[p] = switch (i % 3) {
                case 0 -> "/api/v1/svc" + i + "/items/" + random.nextInt(1_000_000);
                case 1 -> "/api/v1/svc" + i + "/files/docs/report-" + random.nextInt(1000) + ".pdf";
                default -> "/api/v1/svc" + i + "/status";
            };
        }
        headers = new DefaultHttpHeaders().add("Accept", "application/json").add("User-Agent", "bench");
        for (String path : paths) {
            if (router.find("api.example.com", "GET", path, headers).kind() != RouteMatch.Kind.FOUND) {
                throw new IllegalStateException("bench path does not route: " + path);
            }
        }
    }

    @Benchmark
    public RouteMatch<String> find() {
        String path = paths[next++ & (PATHS - 1)];
        return router.find("api.example.com", "GET", path, headers);
    }
}
