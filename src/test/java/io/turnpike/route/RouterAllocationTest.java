package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lookup runs on the event loop for every request: it may allocate its answer and nothing else. */
class RouterAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aLookupWithoutCapturesAllocatesNothing() {
        List<Router.Entry<String>> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(new Router.Entry<>("r" + i, new RouteSpec.Match(
                    List.of("api.example.com", "*.example.org"), "/api/v1/svc" + i + "/status", List.of("GET"), Map.of())));
        }
        entries.add(new Router.Entry<>("beta", new RouteSpec.Match(
                List.of(), "/api/v1/beta/status", List.of(), Map.of("x-beta", "on"))));
        entries.add(new Router.Entry<>("deep", new RouteSpec.Match(List.of(), "/api/v1/{svc}/x/y", List.of(), Map.of())));
        Router<String> router = Router.compile(entries);
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Beta", "on").add("Accept", "*/*");
        String[][] requests = {
                {"API.example.com:443", "/api/v1/svc17/status"},
                {"a.b.example.org", "/api/v1/svc199/status"},
                {"other", "/api/v1/beta/status"},
                {"api.example.com", "/api/v1/svc5/x/z"},    // backtracks out of the literal branch, then misses
        };
        long allocated = 0;
        for (int round = 0; round < 3; round++) {   // the first rounds warm up class loading and caches
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                String[] r = requests[i & 3];
                if (router.find(r[0], "GET", r[1], headers).kind() == RouteMatch.Kind.METHOD_NOT_ALLOWED) {
                    throw new AssertionError();
                }
            }
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        // the allocation counter itself may report a little noise; a real allocation would be >= 320 KB
        assertThat(allocated).isLessThan(4096);
    }
}
