package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code cluster:}'s rate-limit keys and {@code server.limits.rateLimitKeys}. */
class ClusterConfigTest {
    private static final String SERVICE = """
            services: { s: { nodes: [ "http://127.0.0.1:1" ] } }
            """;

    @Test
    void readsTheRateLimitModeTheFallbackAndTheFleetSize() {
        ClusterSettings c = good(SERVICE + """
                cluster: { redis: "redis://127.0.0.1:6379", rateLimitMode: lease, onRedisDown: closed,
                           expectedNodes: 3, redisTimeout: 200ms }
                """).cluster();
        assertThat(c.rateLimitMode()).isEqualTo(ClusterSettings.RateLimitMode.LEASE);
        assertThat(c.onRedisDown()).isEqualTo(ClusterSettings.OnRedisDown.CLOSED);
        assertThat(c.expectedNodes()).isEqualTo(3);
        assertThat(c.redisTimeout()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void defaultsAreExactModeLocalFallbackAndOneNode() {
        ClusterSettings c = good(SERVICE + "cluster: { redis: \"redis://127.0.0.1:6379\" }").cluster();
        assertThat(c).isEqualTo(new ClusterSettings("redis://127.0.0.1:6379"));
        assertThat(c.rateLimitMode()).isEqualTo(ClusterSettings.RateLimitMode.EXACT);
        assertThat(c.onRedisDown()).isEqualTo(ClusterSettings.OnRedisDown.LOCAL);
        assertThat(c.expectedNodes()).isEqualTo(1);
        assertThat(good(SERVICE).server().limits().rateLimitKeys()).isEqualTo(Limits.DEFAULT_RATE_LIMIT_KEYS);
    }

    @Test
    void badValuesAreLocatedWithWhatWasExpected() {
        assertThat(problems(SERVICE + """
                cluster:
                  redis: "redis://127.0.0.1:6379"
                  rateLimitMode: fast
                  onRedisDown: open
                  expectedNodes: 0
                server: { limits: { rateLimitKeys: 10 } }
                """)).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("turnpike.yaml:4:").contains("rateLimitMode").contains("exact or lease"),
                p -> assertThat(p).startsWith("turnpike.yaml:5:").contains("onRedisDown").contains("local or closed"),
                p -> assertThat(p).startsWith("turnpike.yaml:6:").contains("expectedNodes").contains("1 to 10000"),
                p -> assertThat(p).startsWith("turnpike.yaml:7:").contains("rateLimitKeys").contains(">= 1000"));
    }

    @Test
    void readsTheKeyBound() {
        assertThat(good(SERVICE + "server: { limits: { rateLimitKeys: 2000000 } }").server().limits().rateLimitKeys())
                .isEqualTo(2_000_000);
    }

    @Test
    void aSharedStoreAndANodeIdNeedNoRedis() {
        ClusterSettings c = good(SERVICE + """
                cluster: { id: gw-a, store: "postgresql://turnpike:s3cret@db:5432/turnpike" }
                """).cluster();
        assertThat(c.id()).isEqualTo("gw-a");
        assertThat(c.store()).isEqualTo("postgresql://turnpike:s3cret@db:5432/turnpike");
        assertThat(c.shared()).isTrue();
        assertThat(c.enabled()).isFalse(); // no Redis: rate limits stay per node
        assertThat(good(SERVICE + "cluster: { redis: \"redis://127.0.0.1:6379\" }").cluster().shared()).isFalse();
    }

    @Test
    void aBadStoreUrlIsLocatedWithoutShowingIt() {
        assertThat(problems(SERVICE + """
                cluster:
                  store: "mysql://turnpike:s3cret@db/turnpike"
                  id: "gw a"
                """)).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("turnpike.yaml:3:").contains("store").contains("postgresql://")
                        .doesNotContain("s3cret"),
                p -> assertThat(p).startsWith("turnpike.yaml:4:").contains("id").contains("letters, digits"));
        assertThat(problems(SERVICE + "cluster: { id: gw-a }")).singleElement()
                .satisfies(p -> assertThat(p).contains("redis"));
    }
}
