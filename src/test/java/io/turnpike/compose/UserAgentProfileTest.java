package io.turnpike.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ClientProfileSpec;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * User-Agent profiles through a real gateway, with User-Agents as long as the header block allows:
 * the patterns run on RE2 over the header's first {@value ClientProfileSpec#USER_AGENT_PREFIX}
 * characters, so neither a long header nor a pattern that backtracks can hold up an event loop.
 */
@ExtendWith(NoLeaks.class)
class UserAgentProfileTest {
    static final int UA_BYTES = 32 * 1024;
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("echo");
        ConfigLoader.Result r = ConfigLoader.parse("user-agent.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1, limits: { maxHeaderBytes: 64KiB } }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  echo: { nodes: [ "%s" ] }
                clients:
                  iphone: { when: { userAgent: "(?i)iphone.*mobile" } }
                  nested: { when: { userAgent: "^(a+)+b" } }
                routes:
                  - id: echo
                    match: { path: "/echo/**" }
                    service: echo
                    transform:   # the backend's decoder takes 8 KiB of headers: it has no need of the long ones
                      default: { request: { headers: { remove: [User-Agent] } } }
                """.formatted(backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    /** The profile the upstream was told, for a request with this User-Agent. */
    static String profileFor(String userAgent) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo/ua HTTP/1.1\r\nHost: api.test\r\nUser-Agent: " + userAgent + "\r\n\r\n");
            RawHttp.Response res = c.read();
            assertThat(res.status()).isEqualTo(200);
            return Json.parse(res.body()).get("headers").get("x-client-profile").asText();
        }
    }

    @Test
    void aShortUserAgentMatchesAsBefore() throws Exception {
        assertThat(profileFor("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148")).isEqualTo("iphone");
        assertThat(profileFor("Mozilla/5.0 (iPad; CPU OS 17_0)")).isEqualTo("default");
        assertThat(profileFor("aaab")).isEqualTo("nested");
    }

    @Test
    void aLongUserAgentIsMatchedOnItsPrefix() throws Exception {
        String pad = "x".repeat(UA_BYTES);
        assertThat(profileFor("iPhone Mobile " + pad)).isEqualTo("iphone");
        // what lies past the prefix is not looked at
        int beforeMobile = ClientProfileSpec.USER_AGENT_PREFIX - "iPhone ".length();
        assertThat(profileFor("iPhone " + "x".repeat(beforeMobile - "Mobile".length()) + "Mobile" + pad))
                .isEqualTo("iphone");
        assertThat(profileFor("iPhone " + "x".repeat(beforeMobile) + "Mobile" + pad)).isEqualTo("default");
        assertThat(profileFor("iPhone " + pad + " Mobile")).isEqualTo("default");
    }

    @Test
    void aPatternThatWouldBacktrackExponentiallyIsAnsweredAllTheSame() throws Exception {
        // ^(a+)+b against a's without a b: a backtracking engine tries 2^n ways and never answers
        assertThat(profileFor("a".repeat(UA_BYTES))).isEqualTo("default");
        assertThat(profileFor("a".repeat(40) + "!")).isEqualTo("default");
        assertThat(profileFor("a".repeat(40) + "b")).isEqualTo("nested");
        // and the loop is free for the next request
        assertThat(profileFor("iPhone Mobile")).isEqualTo("iphone");
    }
}
