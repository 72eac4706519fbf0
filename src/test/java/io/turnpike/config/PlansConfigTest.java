package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlansConfigTest {
    private static final String SERVICE = """
            services: { s: { nodes: [ "http://127.0.0.1:1" ] } }
            """;

    @Test
    void readsPlansWithLimitsQuotasAndDecimalPrices() {
        GatewayConfig c = good(SERVICE + """
                plans:
                  free: { rateLimit: 10/s, quota: 10000/month }
                  pro:
                    rateLimit: [ 200/s, { limit: 100000/h, burst: 500 } ]
                    quota: 500/day
                    price: { perUnit: 0.0002, currency: USD, overagePerUnit: "0.0003" }
                    overage: bill
                    billOn: success
                consumers:
                  - { id: acme, plan: pro }
                """);
        PlanSpec free = c.plans().get("free");
        assertThat(free.rateLimits()).singleElement().satisfies(l -> {
            assertThat(l.limit()).isEqualTo(10);
            assertThat(l.period()).isEqualTo(Duration.ofSeconds(1));
            assertThat(l.burst()).isEqualTo(10);
            assertThat(l.key()).extracting(Object::toString).containsExactly("consumer");
        });
        assertThat(free.quota()).isEqualTo(new PlanSpec.Quota(10000, PlanSpec.Period.MONTH, 1));
        assertThat(free.overage()).isEqualTo(PlanSpec.Overage.BLOCK);
        assertThat(free.billOn()).isEqualTo(PlanSpec.BillOn.REACHED);
        PlanSpec pro = c.plans().get("pro");
        assertThat(pro.rateLimits()).extracting(RateLimitSpec::rate).containsExactly("200/s", "100000/h");
        assertThat(pro.rateLimits().get(1).burst()).isEqualTo(500);
        assertThat(pro.quota().period()).isEqualTo(PlanSpec.Period.DAY);
        assertThat(pro.price().perUnit()).isEqualTo(new BigDecimal("0.0002"));
        assertThat(pro.price().overagePerUnit()).isEqualTo(new BigDecimal("0.0003"));
        assertThat(pro.overage()).isEqualTo(PlanSpec.Overage.BILL);
        assertThat(pro.billOn()).isEqualTo(PlanSpec.BillOn.SUCCESS);
    }

    @Test
    void readsRouteLimitsWithKeysAndCost() {
        GatewayConfig c = good(SERVICE + """
                routes:
                  - id: open
                    match: { path: /a }
                    service: s
                    rateLimit: 50/s
                  - id: keyed
                    match: { path: /b }
                    service: s
                    auth: [apiKey]
                    cost: 5
                    rateLimit:
                      - { limit: 1000/min }
                      - { limit: 5/2s, key: [ip, "header:X-Tenant", "claim:org"] }
                """);
        RouteSpec open = c.routes().get(0);
        assertThat(open.cost()).isEqualTo(1);
        assertThat(open.rateLimits().get(0).key()).extracting(Object::toString).containsExactly("ip");
        RouteSpec keyed = c.routes().get(1);
        assertThat(keyed.cost()).isEqualTo(5);
        assertThat(keyed.rateLimits().get(0).key()).extracting(Object::toString).containsExactly("consumer");
        assertThat(keyed.rateLimits().get(1).period()).isEqualTo(Duration.ofSeconds(2));
        assertThat(keyed.rateLimits().get(1).key()).extracting(Object::toString)
                .containsExactly("ip", "header:x-tenant", "claim:org");
    }

    @Test
    void locatesEveryMistake() {
        List<String> p = problems(SERVICE + """
                plans:
                  free: { rateLimit: ten/s, quota: 10/week, price: { perUnit: 1e-3x, currency: dollars }, overage: maybe }
                  pro: { rateLimit: { limit: 5/s, key: ip } }
                consumers:
                  - { id: acme, plan: gold }
                routes:
                  - { id: r, match: { path: /a }, service: s, rateLimit: { limit: 5/s, key: "cookie:x" }, cost: -1 }
                """);
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:3:").contains("rateLimit").contains("50/s"));
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:3:").contains("10000/month"));
        assertThat(p).anySatisfy(m -> assertThat(m).contains("perUnit").contains("decimal"));
        assertThat(p).anySatisfy(m -> assertThat(m).contains("currency").contains("USD"));
        assertThat(p).anySatisfy(m -> assertThat(m).contains("overage").contains("block, bill"));
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:4:").contains("per consumer"));
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:6:").contains("no plan \"gold\"")
                .contains("free, pro"));
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:8:").contains("header:X-Tenant"));
        assertThat(p).anySatisfy(m -> assertThat(m).startsWith("turnpike.yaml:8:").contains("cost"));
    }

    @Test
    void readsTheClusterSectionWithoutShowingThePassword() {
        assertThat(good(SERVICE + "cluster: { redis: \"redis://:hunter2@127.0.0.1:6379\" }").cluster().redis())
                .isEqualTo("redis://:hunter2@127.0.0.1:6379");
        assertThat(problems(SERVICE + "cluster: { redis: \"http://:hunter2@x\" }"))
                .singleElement().asString().doesNotContain("hunter2").contains("redis://host:port");
    }
}
