package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** /admin/usage and /admin/invoices: what was metered, what it costs, as JSON and CSV. */
@ExtendWith(NoLeaks.class)
class UsageAdminTest {
    private static final String EXTRA = """
              - { id: metered, match: { path: "/m/**" }, rewrite: { stripPrefix: /m }, service: svc, auth: [apiKey] }
              - { id: heavy, match: { path: "/h/**" }, rewrite: { stripPrefix: /h }, service: svc, auth: [apiKey], cost: 7 }
            plans:
              pro: { quota: 1000/month, price: { perUnit: "0.0125", currency: USD } }
            consumers:
              - { id: acme, plan: pro, credentials: [ { apiKey: acme-key-0123456789 } ] }
              - { id: beta, credentials: [ { apiKey: beta-key-0123456789 } ] }
            """;

    private static int call(AdminFixture f, String path, String key) throws Exception {
        return AdminFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.gateway.port() + path))
                .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> get(AdminFixture f, String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.admin.port() + path))
                .header("Authorization", "Bearer " + AdminFixture.TOKEN);
        if (accept != null) b.header("Accept", accept);
        return AdminFixture.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void showsUsageAndQuotaAndPricesTheMonthWithDecimalArithmetic(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), EXTRA))) {
            for (int i = 0; i < 3; i++) assertThat(call(f, "/m/echo", "acme-key-0123456789")).isEqualTo(200);
            for (int i = 0; i < 5; i++) assertThat(call(f, "/h/echo", "acme-key-0123456789")).isEqualTo(200);
            assertThat(call(f, "/h/status/503", "beta-key-0123456789")).isEqualTo(503);

            HttpResponse<String> usage = get(f, "/admin/usage", null);
            assertThat(usage.statusCode()).isEqualTo(200);
            JsonNode u = Json.parse(usage.body());
            assertThat(u.get("items")).hasSize(3);
            JsonNode heavy = u.get("items").get(0); // by consumer, then route
            assertThat(heavy.get("consumer").asText()).isEqualTo("acme");
            assertThat(heavy.get("route").asText()).isEqualTo("heavy");
            assertThat(heavy.get("calls").asLong()).isEqualTo(5);
            assertThat(heavy.get("units").asLong()).isEqualTo(35);
            assertThat(heavy.get("cost").decimalValue()).isEqualByComparingTo("0.44"); // 35 x 0.0125 = 0.4375
            assertThat(heavy.get("currency").asText()).isEqualTo("USD");
            JsonNode beta = u.get("items").get(2);
            assertThat(beta.get("consumer").asText()).isEqualTo("beta");
            assertThat(beta.get("callsByStatus").get("5xx").asLong()).isEqualTo(1);
            JsonNode acme = u.get("consumers").get(0);
            assertThat(acme.get("units").asLong()).isEqualTo(38);
            assertThat(acme.get("quota").get("used").asLong()).isEqualTo(38);
            assertThat(acme.get("quota").get("remaining").asLong()).isEqualTo(962);
            assertThat(acme.get("quota").get("period").asText()).isEqualTo("month");

            JsonNode filtered = Json.parse(get(f, "/admin/usage?consumer=acme&route=metered", null).body());
            assertThat(filtered.get("items")).hasSize(1);
            assertThat(filtered.get("items").get(0).get("calls").asLong()).isEqualTo(3);
            assertThat(get(f, "/admin/usage?from=yesterday", null).statusCode()).isEqualTo(400);
            assertThat(get(f, "/admin/usage?from=2030-01-01", null).statusCode()).isEqualTo(400); // to (now) before from

            String month = YearMonth.now(ZoneOffset.UTC).toString();
            HttpResponse<String> json = get(f, "/admin/invoices/acme?month=" + month, null);
            assertThat(json.statusCode()).isEqualTo(200);
            JsonNode inv = Json.parse(json.body());
            assertThat(inv.get("currency").asText()).isEqualTo("USD");
            assertThat(inv.get("items")).hasSize(2);
            assertThat(inv.get("items").get(1).get("amount").decimalValue()).isEqualByComparingTo("0.04"); // 3 x 0.0125 = 0.0375
            assertThat(inv.get("items").get(1).get("unitPrice").decimalValue()).isEqualByComparingTo("0.0125");
            assertThat(inv.get("total").decimalValue()).isEqualByComparingTo("0.48");

            HttpResponse<String> csv = get(f, "/admin/invoices/acme?month=" + month, "text/csv");
            assertThat(csv.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
            String period = YearMonth.parse(month).atDay(1) + "T00:00:00Z," + YearMonth.parse(month).plusMonths(1).atDay(1) + "T00:00:00Z";
            assertThat(csv.body()).isEqualTo(
                    "consumer,month,period_start,period_end,route,kind,calls,units,unit_price,amount,currency\r\n"
                    + "acme," + month + "," + period + ",heavy,usage,5,35,0.0125,0.44,USD\r\n"
                    + "acme," + month + "," + period + ",metered,usage,3,3,0.0125,0.04,USD\r\n"
                    + "acme," + month + "," + period + ",,total,,,,0.48,USD\r\n");
            // a consumer without a price: zero amounts, no currency; one line, at zero
            String free = get(f, "/admin/invoices/beta", "text/csv").body();
            assertThat(free).contains("beta," + month).contains(",heavy,usage,1,7,0,0.00,\r\n");

            assertThat(get(f, "/admin/invoices/nobody", null).statusCode()).isEqualTo(404);
            assertThat(get(f, "/admin/invoices/acme?month=2026-13", null).statusCode()).isEqualTo(400);
            assertThat(get(f, "/admin/invoices/acme?month=" + YearMonth.parse(month).minusMonths(1), null).body())
                    .contains("\"items\" : [ ]");
        }
    }
}
