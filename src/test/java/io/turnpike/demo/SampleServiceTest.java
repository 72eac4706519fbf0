package io.turnpike.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SampleServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static SampleFleet fleet;

    @BeforeAll
    static void startFleet() throws InterruptedException {
        fleet = SampleFleet.start(2);
    }

    @AfterAll
    static void stopFleet() {
        fleet.close();
    }

    private static SampleService node(SampleKind kind, int i) {
        return fleet.nodes(kind).get(i);
    }

    private static HttpResponse<String> get(SampleService node, String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(node.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    @Test
    void answersAUserAndNamesTheNode() throws Exception {
        HttpResponse<String> response = get(node(SampleKind.USERS, 0), "/users/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-served-by")).hasValue("users-1");
        JsonNode user = json(response);
        assertThat(user.get("id").asInt()).isEqualTo(1);
        assertThat(user.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(user.get("segment").asText()).isEqualTo("pro");
        assertThat(user.get("node").asText()).isEqualTo("users-1");
    }

    @Test
    void secondNodeAnswersWithItsOwnName() throws Exception {
        HttpResponse<String> response = get(node(SampleKind.USERS, 1), "/users/2");

        assertThat(response.headers().firstValue("x-served-by")).hasValue("users-2");
        assertThat(json(response).get("node").asText()).isEqualTo("users-2");
    }

    @Test
    void listsUsers() throws Exception {
        JsonNode body = json(get(node(SampleKind.USERS, 0), "/users"));

        assertThat(body.get("users")).hasSize(3);
    }

    @Test
    void unknownUserIs404Json() throws Exception {
        HttpResponse<String> response = get(node(SampleKind.USERS, 0), "/users/999");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).isEqualTo("no user 999");
    }

    @Test
    void createsAUserEchoingOnlyItsFieldsWithFreshIds() throws Exception {
        String body = "{\"name\":\"Edsger Dijkstra\",\"segment\":\"free\",\"password\":\"hunter2\"}";
        HttpRequest post = HttpRequest.newBuilder(URI.create(node(SampleKind.USERS, 0).url() + "/users"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();

        HttpResponse<String> first = CLIENT.send(post, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = CLIENT.send(post, HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(201);
        JsonNode created = json(first);
        assertThat(created.get("name").asText()).isEqualTo("Edsger Dijkstra");
        assertThat(created.get("segment").asText()).isEqualTo("free");
        assertThat(created.has("password")).isFalse();
        assertThat(first.body()).doesNotContain("hunter2");
        assertThat(json(second).get("id").asLong()).isNotEqualTo(created.get("id").asLong());
    }

    @Test
    void rejectsAPostThatIsNotJson() throws Exception {
        HttpRequest post = HttpRequest.newBuilder(URI.create(node(SampleKind.USERS, 0).url() + "/users"))
                .POST(HttpRequest.BodyPublishers.ofString("name=x"))
                .build();

        assertThat(CLIENT.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        HttpRequest delete = HttpRequest.newBuilder(URI.create(node(SampleKind.USERS, 0).url() + "/users/1"))
                .DELETE().build();

        HttpResponse<String> response = CLIENT.send(delete, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void filtersOrdersByUser() throws Exception {
        JsonNode body = json(get(node(SampleKind.ORDERS, 0), "/orders?user=1"));

        assertThat(body.get("orders")).hasSize(2);
        body.get("orders").forEach(o -> assertThat(o.get("user").asInt()).isEqualTo(1));
        assertThat(body.get("node").asText()).isEqualTo("orders-1");
    }

    @Test
    void answersOneOrder() throws Exception {
        JsonNode order = json(get(node(SampleKind.ORDERS, 1), "/orders/1003"));

        assertThat(order.get("item").asText()).isEqualTo("pen-3");
        assertThat(order.get("node").asText()).isEqualTo("orders-2");
    }

    @Test
    void listsItemsAndRecommendsBySegment() throws Exception {
        assertThat(json(get(node(SampleKind.CATALOG, 0), "/items")).get("items")).hasSize(4);

        JsonNode recs = json(get(node(SampleKind.CATALOG, 0), "/recommendations/pro"));
        assertThat(recs.get("items")).isNotEmpty();
        recs.get("items").forEach(i -> assertThat(i.get("segment").asText()).isEqualTo("pro"));
    }

    @Test
    void everyNodeIsHealthy() throws Exception {
        for (SampleKind kind : SampleKind.values()) {
            for (SampleService node : fleet.nodes(kind)) {
                assertThat(get(node, "/health").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void unknownPathIs404() throws Exception {
        assertThat(get(node(SampleKind.CATALOG, 0), "/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void everyNodeHasItsOwnPort() {
        Set<Integer> ports = new HashSet<>();
        fleet.ports().values().forEach(ports::addAll);

        assertThat(ports).hasSize(6).doesNotContain(0);
        assertThat(fleet.ports()).containsOnlyKeys("users", "orders", "catalog");
    }

    @Test
    void keepsTheConnectionOpenAcrossRequests() throws Exception {
        // Many sequential calls over the client's pooled connection must all succeed.
        for (int i = 0; i < 200; i++) {
            assertThat(get(node(SampleKind.CATALOG, 1), "/items").statusCode()).isEqualTo(200);
        }
    }
}
