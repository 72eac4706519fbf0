package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The analytics, alerts and dashboard endpoints as an operator (or the dashboard) calls them. */
@ExtendWith(NoLeaks.class)
class InsightsAdminTest {

    @Test
    void analyticsShowTheTrafficJustSent(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), """
                       - id: broken
                         match: { path: /broken }
                         service: svc
                         rewrite: { path: /status/503 }
                     """))) {
            for (int i = 0; i < 7; i++) assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
            for (int i = 0; i < 3; i++) assertThat(f.traffic("/broken").statusCode()).isEqualTo(503);
            f.traffic("/nowhere");
            JsonNode r = null;
            for (int i = 0; i < 100; i++) { // the rollup thread takes what was queued within ~50 ms
                r = Json.parse(f.admin("GET", "/admin/analytics?by=route&window=5m", null).body());
                if (r.get("totals").get("calls").asLong() == 11) break;
                Thread.sleep(20);
            }
            assertThat(r.get("totals").get("calls").asLong()).isEqualTo(11);
            assertThat(r.get("totals").get("errors").asLong()).isEqualTo(3);
            assertThat(r.get("step").asText()).isEqualTo("10s");
            assertThat(r.get("series")).hasSize(30);
            assertThat(r.get("keys").get(0).get("key").asText()).isEqualTo("hello");
            assertThat(r.get("keys").get(0).get("totals").get("calls").asLong()).isEqualTo(7);
            assertThat(r.get("keys").get(1).get("key").asText()).isEqualTo("broken");

            JsonNode top = Json.parse(f.admin("GET", "/admin/analytics?by=route&window=5m&top=1&sort=errors", null).body());
            assertThat(top.get("keys")).hasSize(1);
            assertThat(top.get("keys").get(0).get("key").asText()).isEqualTo("broken");
            JsonNode status = Json.parse(f.admin("GET", "/admin/analytics?by=status", null).body());
            assertThat(status.get("keys").findValuesAsText("key")).containsExactlyInAnyOrder("200", "503", "404");

            HttpResponse<String> bad = f.admin("GET", "/admin/analytics?by=colour&window=1y", null);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("by=colour (expected: route, service, node, consumer, status or profile)");
            assertThat(f.admin("GET", "/admin/analytics", null, null).statusCode()).isEqualTo(401);
            assertThat(f.admin("GET", "/admin/analytics/consumers", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void alertsAreListedAndSilencedByName(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), "") + """
                     alerts:
                       channels: { log: { log: warn } }
                       rules:
                         - { name: svc-open, when: "circuitOpen(service=svc)" }
                     """)) {
            JsonNode view = Json.parse(f.admin("GET", "/admin/alerts", null).body());
            assertThat(view.get("rules").get(0).get("name").asText()).isEqualTo("svc-open");
            assertThat(view.get("firing")).isEmpty();
            HttpResponse<String> s = f.admin("POST", "/admin/alerts/svc-open/silence", "{\"for\":\"30m\"}");
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(Json.parse(s.body()).get("silencedUntil").asText()).isNotBlank();
            assertThat(Json.parse(f.admin("GET", "/admin/alerts", null).body()).get("silences").has("svc-open")).isTrue();
            assertThat(f.admin("POST", "/admin/alerts/nope/silence", "{\"for\":\"30m\"}").statusCode()).isEqualTo(404);
            HttpResponse<String> bad = f.admin("POST", "/admin/alerts/svc-open/silence", "{\"for\":\"forever\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("(expected: {\\\"for\\\": \\\"30m\\\"}");
            assertThat(f.admin("GET", "/admin/alerts/svc-open/silence", null).statusCode()).isEqualTo(405);

            f.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"open\",\"reason\":\"test\"}");
            JsonNode firing = null;
            for (int i = 0; i < 60; i++) { // evaluated every second
                firing = Json.parse(f.admin("GET", "/admin/alerts", null).body()).get("firing");
                if (!firing.isEmpty()) break;
                Thread.sleep(50);
            }
            assertThat(firing).hasSize(1);
            assertThat(firing.get(0).get("labels").get("service").asText()).isEqualTo("svc");
            assertThat(firing.get(0).get("silenced").asBoolean()).isTrue();
        }
    }

    @Test
    void theDashboardIsServedWithoutATokenAndItsChartsFromTheJar(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            HttpResponse<String> page = f.admin("GET", "/", null, null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("/ui/uplot/uPlot.iife.min.js").doesNotContain("https://");
            HttpResponse<String> uplot = f.admin("GET", "/ui/uplot/uPlot.iife.min.js", null, null);
            assertThat(uplot.statusCode()).isEqualTo(200);
            assertThat(uplot.body()).contains("uPlot");
            assertThat(f.admin("GET", "/ui/app.js", null, null).statusCode()).isEqualTo(200);
            assertThat(f.admin("GET", "/ui/nothing.js", null, null).statusCode()).isEqualTo(404);
        }
    }
}
