package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.cluster.Fleet;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.PostgresServer;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Gateways sharing their admin state through a real PostgreSQL: each test has a database of its own. */
@ExtendWith(NoLeaks.class)
class FleetAdminTest {
    private static final String ROUTE = "{\"match\": {\"path\": \"/new\"}, \"service\": \"svc\"}";
    static PostgresServer pg;

    @TempDir
    Path dir;
    String store;

    @BeforeAll
    static void startPostgres() throws Exception {
        if (!PostgresServer.skipped()) pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) pg.close();
    }

    @BeforeEach
    void freshDatabase() throws Exception {
        assumeFalse(PostgresServer.skipped(), "PostgreSQL tests skipped (-Dturnpike.postgres=skip)");
        store = pg.newDatabase("fleet");
    }

    private FleetNode node(String id, TestBackend backend, String extra) throws Exception {
        return FleetNode.start(dir, id, FleetNode.config(dir, id, store, backend.url(), extra));
    }

    @Test
    void aRouteAndACircuitOrderMadeOnOneNodeAreServedByTheOtherWithinOneSecond() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, ""); FleetNode b = node("b", backend, "")) {
            assertThat(b.traffic("/new").statusCode()).isEqualTo(404);
            HttpResponse<String> put = a.admin("PUT", "/admin/routes/new", ROUTE);
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(a.traffic("/new").statusCode()).isEqualTo(200); // the writer reads its own write
            long routeMs = b.millisUntil("/new", 200);

            assertThat(a.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"open\",\"reason\":\"svc is sick\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(a.traffic("/hello").statusCode()).isEqualTo(503);
            long circuitMs = b.millisUntil("/hello", 503);
            System.out.printf("fleet propagation: route %d ms, circuit order %d ms%n", routeMs, circuitMs);
            assertThat(routeMs).isLessThan(1_000);
            assertThat(circuitMs).isLessThan(1_000);
            JsonNode events = Json.parse(b.admin("GET", "/admin/services/svc/circuit", null).body()).get("events");
            assertThat(events.get(0).get("who").asText()).isEqualTo("admin@a");
            assertThat(events.get(0).get("reason").asText()).isEqualTo("svc is sick");
        }
    }

    @Test
    void writesAnswerWithTheEntityVersionAndAStaleIfMatchGets412() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, ""); FleetNode b = node("b", backend, "")) {
            HttpResponse<String> first = a.admin("PUT", "/admin/routes/new", ROUTE);
            String tag = first.headers().firstValue("etag").orElseThrow();
            assertThat(tag).matches("\"[0-9]+\"");
            b.millisUntil("/new", 200);
            assertThat(b.admin("GET", "/admin/routes/new", null).headers().firstValue("etag")).hasValue(tag);

            HttpResponse<String> second = b.admin("PUT", "/admin/routes/new", ROUTE.replace("/new", "/new2"), tag);
            assertThat(second.statusCode()).isEqualTo(200);
            String newer = second.headers().firstValue("etag").orElseThrow();
            assertThat(newer).isNotEqualTo(tag);

            HttpResponse<String> stale = a.admin("PUT", "/admin/routes/new", ROUTE, tag);
            assertThat(stale.statusCode()).isEqualTo(412);
            assertThat(stale.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(stale.headers().firstValue("etag")).hasValue(newer);
            assertThat(a.admin("DELETE", "/admin/routes/new", null, tag).statusCode()).isEqualTo(412);
            HttpResponse<String> gone = a.admin("DELETE", "/admin/routes/new", null, newer);
            assertThat(gone.statusCode()).isEqualTo(204);
            b.millisUntil("/new2", 404);
            // If-Match: * needs an entry to exist: a deleted or never-written one is not created by it.
            assertThat(a.admin("PUT", "/admin/routes/new", ROUTE, "*").statusCode()).isEqualTo(412);
            assertThat(a.admin("PUT", "/admin/routes/never", ROUTE.replace("/new", "/never"), "*").statusCode()).isEqualTo(412);
            assertThat(a.traffic("/never").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void twoRacingWritesWithTheSameIfMatchLandExactlyOnce() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, ""); FleetNode b = node("b", backend, "");
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            String tag = a.admin("PUT", "/admin/routes/new", ROUTE).headers().firstValue("etag").orElseThrow();
            b.millisUntil("/new", 200);
            for (int round = 0; round < 5; round++) {
                List<Callable<Integer>> racers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    FleetNode n = i % 2 == 0 ? a : b;
                    String body = ROUTE.replace("/new", "/new-" + round + "-" + i);
                    String expected = tag;
                    racers.add(() -> n.admin("PUT", "/admin/routes/new", body, expected).statusCode());
                }
                List<Integer> codes = new ArrayList<>();
                for (Future<Integer> f : pool.invokeAll(racers)) codes.add(f.get());
                assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
                assertThat(codes).filteredOn(c -> c == 412).hasSize(7);
                tag = a.admin("GET", "/admin/routes/new", null).headers().firstValue("etag").orElseThrow();
            }
        }
    }

    @Test
    void aChangeThisNodesFileCannotTakeIsRefusedHereAloneAndShownInTheCluster() throws Exception {
        String onlyA = "  only-a:\n    nodes: [ \"http://127.0.0.1:1\" ]\n";
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, onlyA); FleetNode b = node("b", backend, "")) {
            assertThat(a.admin("PUT", "/admin/routes/needs-a", "{\"match\": {\"path\": \"/a\"}, \"service\": \"only-a\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(a.admin("PUT", "/admin/routes/new", ROUTE).statusCode()).isEqualTo(200);
            b.millisUntil("/new", 200); // the later change applies on b all the same
            for (int i = 0; i < 1_000 && b.fleet.appliedVersion() < 2; i++) Thread.sleep(10);
            assertThat(b.fleet.appliedVersion()).isEqualTo(a.fleet.appliedVersion());
            assertThat(b.fleet.problems()).containsKey("routes/needs-a");
            assertThat(b.traffic("/a").statusCode()).isEqualTo(404);

            JsonNode cluster = null;
            for (int i = 0; i < 100; i++) { // the next heartbeat carries b's problems (10 s: slow under a loaded machine)
                cluster = Json.parse(a.admin("GET", "/admin/cluster", null).body());
                if (cluster.get("members").size() == 2 && cluster.get("members").get(1).get("problems").size() == 1
                        && cluster.get("members").get(1).get("configVersion").asLong() == 2) break;
                Thread.sleep(100);
            }
            JsonNode members = cluster.get("members");
            assertThat(members.get(0).get("id").asText()).isEqualTo("a");
            assertThat(members.get(0).get("problems").size()).isZero();
            JsonNode rowB = members.get(1);
            assertThat(rowB.get("id").asText()).isEqualTo("b");
            assertThat(rowB.get("address").asText()).isEqualTo("127.0.0.1:" + b.gateway.port());
            assertThat(rowB.get("configVersion").asLong()).isEqualTo(a.fleet.appliedVersion());
            assertThat(rowB.get("lastSeen").asText()).isNotEmpty();
            assertThat(rowB.get("problems").get(0).asText()).contains("routes/needs-a").contains("only-a");
            assertThat(cluster.get("store").get("state").asText()).isEqualTo("up");

            // b's file gains the service: the refused route applies without another write
            String fixed = FleetNode.config(dir, "b", store, backend.url(), onlyA);
            assertThat(b.sources.reloadFile(fixed.getBytes(java.nio.charset.StandardCharsets.UTF_8)).ok()).isTrue();
            assertThat(b.millisUntil("/a", 502)).isLessThan(2_000); // routed now; its node at port 1 refuses
            assertThat(b.fleet.problems()).isEmpty();
        }
    }

    @Test
    void withTheStoreDownWritesAnswer503AtOnceTrafficFlowsAndNodesCatchUpAfter() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, ""); FleetNode b = node("b", backend, "")) {
            assertThat(a.admin("PUT", "/admin/routes/new", ROUTE).statusCode()).isEqualTo(200);
            b.millisUntil("/new", 200);
            pg.kill();
            try {
                awaitStore(a, Fleet.StoreState.DOWN);
                long start = System.nanoTime();
                HttpResponse<String> refused = a.admin("PUT", "/admin/routes/later", ROUTE.replace("/new", "/later"));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
                assertThat(ms).isLessThan(500);
                assertThat(b.traffic("/new").statusCode()).isEqualTo(200);
                JsonNode ready = Json.parse(b.admin("GET", "/ready", null).body());
                assertThat(ready.get("status").asText()).isEqualTo("ready");
                assertThat(ready.get("checks").get("store").asText()).isEqualTo("down");
            } finally {
                pg.restart();
            }
            awaitStore(a, Fleet.StoreState.UP);
            assertThat(a.admin("PUT", "/admin/routes/later", ROUTE.replace("/new", "/later")).statusCode()).isEqualTo(200);
            b.millisUntil("/later", 200);
        }
    }

    @Test
    void aNodeRestartedWhileTheStoreIsDownServesItsLastState() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, "")) {
            try (FleetNode b = node("b", backend, "")) {
                assertThat(a.admin("PUT", "/admin/routes/new", ROUTE).statusCode()).isEqualTo(200);
                assertThat(a.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"open\"}").statusCode()).isEqualTo(200);
                b.millisUntil("/hello", 503);
            }
            pg.kill();
            try (FleetNode b = node("b", backend, "")) {
                assertThat(b.traffic("/new").statusCode()).isEqualTo(503); // the route is there; the circuit stops traffic
                assertThat(b.admin("GET", "/admin/services/svc/circuit", null).body()).contains("forced-open");
                assertThat(b.admin("GET", "/ready", null).statusCode()).isEqualTo(200);
            } finally {
                pg.restart();
            }
        }
    }

    @Test
    void theReadyCheckAndTheMemberRowShowThisNodesVersion() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, "")) {
            assertThat(a.admin("PUT", "/admin/routes/new", ROUTE).statusCode()).isEqualTo(200);
            JsonNode ready = Json.parse(a.admin("GET", "/ready", null).body());
            assertThat(ready.get("checks").get("configVersion").asLong()).isEqualTo(1);
            assertThat(ready.get("checks").get("store").asText()).isEqualTo("up");
        }
    }

    @Test
    void aNodeAheadOfAResetStoreReReadsEveryEntity() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, "")) {
            try (FleetNode b = node("b", backend, "")) {
                for (String id : List.of("x", "y", "z")) {
                    assertThat(a.admin("PUT", "/admin/routes/" + id, ROUTE.replace("/new", "/" + id)).statusCode()).isEqualTo(200);
                }
                b.millisUntil("/z", 200);
            }
            // the store is restored from an older backup: it knows fewer versions than b applied
            java.net.URI u = java.net.URI.create(store);
            try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath(),
                    "turnpike", ""); var st = c.createStatement()) {
                st.execute("TRUNCATE turnpike_changes, turnpike_entities");
            }
            // ... and then more than b had: the versions alone would look like b is only behind
            for (String id : List.of("w1", "w2", "w3", "w4")) {
                assertThat(a.admin("PUT", "/admin/routes/" + id, ROUTE.replace("/new", "/" + id)).statusCode()).isEqualTo(200);
            }
            try (FleetNode b = node("b", backend, "")) {
                assertThat(b.traffic("/z").statusCode()).isEqualTo(200); // its copy serves at first
                assertThat(b.millisUntil("/z", 404)).isLessThan(3_000);
                for (String id : List.of("w1", "w2", "w3", "w4")) assertThat(b.traffic("/" + id).statusCode()).isEqualTo(200);
                assertThat(b.fleet.appliedVersion()).isEqualTo(4);
            }
        }
    }

    @Test
    void aNodeThatWasAwayCatchesUpOnEveryChangeInOrder() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, "")) {
            try (FleetNode b = node("b", backend, "")) {
                assertThat(a.admin("PUT", "/admin/routes/x0", ROUTE.replace("/new", "/x0")).statusCode()).isEqualTo(200);
                b.millisUntil("/x0", 200);
            }
            for (int i = 1; i <= 20; i++) {
                assertThat(a.admin("PUT", "/admin/routes/x" + i, ROUTE.replace("/new", "/x" + i)).statusCode()).isEqualTo(200);
            }
            assertThat(a.admin("DELETE", "/admin/routes/x5", null).statusCode()).isEqualTo(204);
            assertThat(a.admin("PUT", "/admin/routes/x7", ROUTE.replace("/new", "/seven")).statusCode()).isEqualTo(200);
            try (FleetNode b = node("b", backend, "")) {
                b.millisUntil("/x20", 200);
                for (int i = 0; i < 50 && b.fleet.appliedVersion() < a.fleet.appliedVersion(); i++) Thread.sleep(20);
                assertThat(b.fleet.appliedVersion()).isEqualTo(a.fleet.appliedVersion()).isEqualTo(23);
                assertThat(b.traffic("/x5").statusCode()).isEqualTo(404);
                assertThat(b.traffic("/x7").statusCode()).isEqualTo(404);
                assertThat(b.traffic("/seven").statusCode()).isEqualTo(200);
                assertThat(b.admin("GET", "/admin/routes/x7", null).headers().firstValue("etag")).hasValue("\"23\"");
            }
        }
    }

    @Test
    void anAlertSilenceMadeOnOneNodeSilencesTheRuleOnEveryNodeAndSurvivesARestart() throws Exception {
        try (TestBackend backend = new TestBackend("b"); FleetNode a = node("a", backend, "")) {
            try (FleetNode b = node("b", backend, "")) {
                HttpResponse<String> s = a.admin("POST", "/admin/alerts/svc-open/silence", "{\"for\": \"30m\"}");
                assertThat(s.statusCode()).isEqualTo(200);
                String until = Json.parse(s.body()).get("silencedUntil").asText();
                for (int i = 0; i < 100 && !silenced(b); i++) Thread.sleep(10);
                assertThat(Json.parse(b.admin("GET", "/admin/alerts", null).body()).get("silences").get("svc-open").asText())
                        .isEqualTo(until);
                assertThat(a.admin("POST", "/admin/alerts/nope/silence", "{\"for\": \"30m\"}").statusCode()).isEqualTo(404);
            }
            pg.kill();
            try (FleetNode b = node("b", backend, "")) {
                assertThat(silenced(b)).isTrue(); // from its copy, without the store
            } finally {
                pg.restart();
            }
        }
    }

    @Test
    void aNodeRegisteredThroughOneGatewayIsServedByEveryGatewayAndLeavesThemAll() throws Exception {
        String registered = "  reg:\n    registration: { ttl: 2s }\n";
        try (TestBackend backend = new TestBackend("b"); TestBackend joined = new TestBackend("joined");
             FleetNode a = node("a", backend, registered); FleetNode b = node("b", backend, registered)) {
            awaitStore(a, Fleet.StoreState.UP);
            awaitStore(b, Fleet.StoreState.UP);
            assertThat(a.admin("PUT", "/admin/routes/reg", "{\"match\": {\"path\": \"/reg\"}, \"service\": \"reg\"}")
                    .statusCode()).isEqualTo(200);
            b.millisUntil("/reg", 503); // routed, but no node has registered yet
            String join = "{\"url\": \"" + joined.url() + "\", \"weight\": 3}";
            assertThat(a.admin("POST", "/admin/services/reg/registrations", join).statusCode()).isEqualTo(200);
            assertThat(a.traffic("/reg").statusCode()).isEqualTo(200);
            long servedMs = b.millisUntil("/reg", 200);
            System.out.printf("fleet propagation: registration %d ms%n", servedMs);
            assertThat(servedMs).isLessThan(1_000);
            assertThat(Json.parse(b.admin("GET", "/admin/services/reg/registrations", null).body()).get(0).get("weight").asInt())
                    .isEqualTo(3);

            // Heartbeats through a keep the node on b past its ttl.
            for (int i = 0; i < 4; i++) {
                Thread.sleep(800);
                assertThat(a.admin("POST", "/admin/services/reg/registrations", join).statusCode()).isEqualTo(200);
            }
            assertThat(b.traffic("/reg").statusCode()).isEqualTo(200);

            // Deregistered through b: a stops sending to it within a second.
            URI u = URI.create(joined.url());
            assertThat(b.admin("DELETE", "/admin/services/reg/registrations/" + u.getHost() + ":" + u.getPort(), null)
                    .statusCode()).isEqualTo(204);
            assertThat(a.millisUntil("/reg", 503)).isLessThan(1_000);

            // Registered again and then silent: it lapses on every gateway once its ttl runs out.
            assertThat(b.admin("POST", "/admin/services/reg/registrations", join).statusCode()).isEqualTo(200);
            a.millisUntil("/reg", 200);
            a.millisUntil("/reg", 503);
            b.millisUntil("/reg", 503);
        }
    }

    private static boolean silenced(FleetNode n) throws Exception {
        return Json.parse(n.admin("GET", "/admin/alerts", null).body()).get("silences").has("svc-open");
    }

    private static void awaitStore(FleetNode n, Fleet.StoreState state) throws InterruptedException {
        for (int i = 0; i < 100 && n.fleet.storeState() != state; i++) Thread.sleep(100);
        assertThat(n.fleet.storeState()).isEqualTo(state);
    }
}
