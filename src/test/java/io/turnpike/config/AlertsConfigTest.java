package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AlertsConfigTest {

    @Test
    void readsChannelsAndRulesWithEveryKindOfSignal() {
        GatewayConfig c = good("""
                alerts:
                  channels:
                    ops: { webhook: "http://127.0.0.1:9999/hooks/alerts" }
                    chat: { webhook: "https://hooks.slack.example/T1", format: slack }
                    log: { log: warn }
                  rules:
                    - { name: users-errors, when: "errorRate(route=users-read) > 5%", for: 1m, notify: [ops] }
                    - { name: users-slow, when: "p99(service=users, window=5m) > 0.5s", for: 2m, labels: { team: core } }
                    - { name: quiet, when: "requestRate(route=*) < 30/m", notify: log }
                    - { name: breaker, when: "circuitOpen(service=*)", resolveAfter: 0 }
                    - { name: down, when: "allNodesDown(service=users)" }
                    - { name: limited, when: "rateLimited(route=x) >= 10/s" }
                    - { name: quota, when: "quotaUsed(consumer=*) > 90%" }
                    - { name: reload, when: "reloadFailed()" }
                """);
        AlertSettings a = c.alerts();
        assertThat(a.channels().keySet()).containsExactly("ops", "chat", "log");
        assertThat(a.channels().get("chat").format()).isEqualTo("slack");
        assertThat(a.channels().get("log").isLog()).isTrue();
        assertThat(a.rules()).hasSize(8);
        AlertSettings.Rule slow = a.rules().get(1);
        assertThat(slow.when().kind()).isEqualTo(AlertExpression.Kind.P99);
        assertThat(slow.when().dimension()).isEqualTo("service");
        assertThat(slow.when().key()).isEqualTo("users");
        assertThat(slow.when().window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(slow.when().threshold()).isEqualTo(500.0);
        assertThat(slow.when().thresholdText()).isEqualTo("> 500ms");
        assertThat(slow.forDuration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(slow.labels()).containsEntry("team", "core");
        assertThat(a.rules().get(2).when().threshold()).isEqualTo(0.5);
        assertThat(a.rules().get(2).channels()).containsExactly("log");
        assertThat(a.rules().get(3).when().comparison()).isNull();
        assertThat(a.rules().get(3).resolveAfter()).isZero();
        assertThat(a.rules().get(0).resolveAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(good("server: { listen: 127.0.0.1:8080 }").alerts()).isEqualTo(AlertSettings.NONE);
    }

    @Test
    void pointsAtTheSpotInsideAnExpressionThatIsWrong() {
        assertThat(problems("""
                alerts:
                  rules:
                    - { name: a, when: "errorRate(route=x) > 5" }
                    - { name: b, when: "errorRat(route=x) > 5%" }
                    - { name: c, when: "p99(service=users) > 500ms and more" }
                    - { name: d, when: "circuitOpen(service=*) > 1%" }
                    - { name: e, when: "errorRate(route=x)" }
                    - { name: f, when: "nodeDown()" }
                    - { name: g, when: p99(colour=red) > 1s }
                    - { name: h, when: "requestRate(route=x, window=2d) > 1/s" }
                """)).containsExactly(
                "turnpike.yaml:3:47: alerts.rules[0].when: no unit (expected: a percentage like 5%)",
                "turnpike.yaml:4:25: alerts.rules[1].when: unknown signal \"errorRat\" (expected one of: errorRate, p50, p90, p99, max, requestRate, rateLimited, quotaUsed, circuitOpen, nodeDown, nodeEjected, allNodesDown, reloadFailed, certificateExpiry)",
                "turnpike.yaml:5:52: alerts.rules[2].when: unexpected \"and more\" after the threshold",
                "turnpike.yaml:6:48: alerts.rules[3].when: circuitOpen(...) is a state, true or false, and takes no comparison",
                "turnpike.yaml:7:43: alerts.rules[4].when: errorRate(...) needs a comparison, like errorRate(...) > 5%",
                "turnpike.yaml:8:25: alerts.rules[5].when: nodeDown needs service= (an id, or * for each)",
                "turnpike.yaml:9:28: alerts.rules[6].when: \"colour\" is not an argument of p99 (expected: route, service, node, consumer, profile, window)",
                "turnpike.yaml:10:46: alerts.rules[7].when: window=2d (expected: a duration from 10s to 24h, like 5m)");
    }

    @Test
    void reportsBadChannelsNamesAndReferences() {
        assertThat(problems("""
                alerts:
                  channels:
                    ops: { webhook: "ftp://x" }
                    both: { webhook: "http://x", log: warn }
                    chat: { webhook: "http://x", format: xml }
                  rules:
                    - { name: a, when: "reloadFailed()", notify: [pager] }
                    - { name: a, when: "reloadFailed()" }
                    - { when: "reloadFailed()", for: soon }
                """)).containsExactly(
                "turnpike.yaml:3:21: alerts.channels.ops.webhook: \"ftp://x\" (expected: an http(s) URL)",
                "turnpike.yaml:4:11: alerts.channels.both: a channel is either a webhook or the log (expected: webhook: URL, or log: info|warn|error)",
                "turnpike.yaml:5:42: alerts.channels.chat.format: \"xml\" (expected: json or slack)",
                "turnpike.yaml:7:51: alerts.rules[0].notify[0]: no channel \"pager\" (expected one of: ops, both, chat)",
                "turnpike.yaml:8:15: alerts.rules[1].name: duplicate rule name \"a\" (first at line 7)",
                "turnpike.yaml:9:7: alerts.rules[2]: missing \"name\" (expected: a name of letters, digits and ._- (at most 64))",
                "turnpike.yaml:9:38: alerts.rules[2].for: \"soon\" (expected: a duration like 500ms, 2s, 1m)");
    }
}
