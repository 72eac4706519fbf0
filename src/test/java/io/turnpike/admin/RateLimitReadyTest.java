package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RedisServer;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code /ready} says how rate limits are decided, and is 503 while they cannot be (closed mode, Redis down). */
@ExtendWith(NoLeaks.class)
class RateLimitReadyTest {
    @Test
    void readyFollowsRedisWhenLimitsFailClosed(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), """
                     cluster: { redis: "%s", onRedisDown: closed }
                     """.formatted(redis.uri())))) {
            awaitReady(f, 200, "shared through Redis at 127.0.0.1:" + redis.port() + " (exact)");
            redis.kill();
            awaitReady(f, 503, "unreachable: limited calls are refused with 503");
            redis.restart();
            awaitReady(f, 200, "shared through Redis");
        }
    }

    private static void awaitReady(AdminFixture f, int status, String rateLimits) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            HttpResponse<String> r = f.admin("GET", "/ready", null, null);
            String check = Json.parse(r.body()).at("/checks/rateLimits").asText();
            if (r.statusCode() == status && check.contains(rateLimits)) return;
            if (System.nanoTime() > deadline) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
                assertThat(check).contains(rateLimits);
            }
            Thread.sleep(50);
        }
    }
}
