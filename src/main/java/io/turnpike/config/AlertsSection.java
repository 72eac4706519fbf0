package io.turnpike.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Binds {@code alerts:}; a rule's {@code when:} is parsed here, its errors located inside the text. */
final class AlertsSection {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String NAME_EXPECTED = "a name of letters, digits and ._- (at most 64)";
    private static final Leaf.Words LEVELS = Leaf.words("info", "warn", "error");
    private static final Leaf.Words FORMATS = Leaf.words("json", "slack");

    private AlertsSection() {}

    static AlertSettings bind(ConfigNode alerts) {
        if (!alerts.isPresent()) return AlertSettings.NONE;
        alerts.checkKeys(List.of("channels", "rules", "evaluateEvery", "retry", "dashboardUrl"), Map.of());
        Map<String, AlertSettings.Channel> channels = new LinkedHashMap<>();
        ConfigNode ch = alerts.get("channels");
        ch.entries().forEach((name, e) -> {
            if (!NAME.matcher(name).matches()) {
                ch.problemAt(e.key().getStartMark(), "channel name " + ConfigNode.quote(name) + " (expected: " + NAME_EXPECTED + ")");
            }
            AlertSettings.Channel c = channel(name, e.value());
            if (c != null) channels.put(name, c);
        });
        List<AlertSettings.Rule> rules = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (ConfigNode r : alerts.get("rules").items("a list of rules like { name: x, when: \"errorRate(route=x) > 5%\" }", false)) {
            AlertSettings.Rule rule = rule(r, ch);
            if (rule == null) continue;
            Integer first = seen.putIfAbsent(rule.name(), r.line());
            if (first != null) {
                r.get("name").problem("duplicate rule name " + ConfigNode.quote(rule.name()) + " (first at line " + first + ")");
                continue;
            }
            rules.add(rule);
        }
        Duration every = alerts.get("evaluateEvery").duration(AlertSettings.NONE.evaluateEvery(), false);
        String dashboard = alerts.get("dashboardUrl").text("an http(s) URL");
        if (dashboard != null && !httpUrl(dashboard)) {
            alerts.get("dashboardUrl").expected("an http(s) URL");
            dashboard = null;
        }
        return new AlertSettings(channels, rules, every, retry(alerts.get("retry")), dashboard);
    }

    private static AlertSettings.Channel channel(String name, ConfigNode c) {
        c.checkKeys(List.of("webhook", "format", "headers", "log"), Map.of());
        if (!c.isMapping()) {
            c.expected("a mapping like { webhook: https://..., format: json } or { log: warn }");
            return null;
        }
        String url = c.get("webhook").text("an http(s) URL");
        String level = c.get("log").text("info, warn or error");
        if (c.isRecording()) {
            // Each kind's other keys are read once the kind is clear; the schema shows both kinds'.
            c.get("log").choice(LEVELS, null, "info, warn or error", "info, warn or error");
            return webhook(name, c, null);
        }
        if ((url == null) == (level == null)) {
            c.problem("a channel is either a webhook or the log (expected: webhook: URL, or log: info|warn|error)");
            return null;
        }
        if (level != null) {
            level = c.get("log").choice(LEVELS, null, "info, warn or error", "info, warn or error");
            return level == null ? null : new AlertSettings.Channel(name, null, "json", level, Map.of());
        }
        url = url.strip();
        if (!httpUrl(url)) {
            c.get("webhook").expected("an http(s) URL");
            return null;
        }
        return webhook(name, c, url);
    }

    private static AlertSettings.Channel webhook(String name, ConfigNode c, String url) {
        String format = c.get("format").choice(FORMATS, "json", "json or slack", "json or slack");
        if (format == null) return null;
        Map<String, String> headers = new LinkedHashMap<>();
        c.get("headers").entries().forEach((h, e) -> {
            String v = e.value().secret("a header value");
            if (v != null) headers.put(h, v);
        });
        return new AlertSettings.Channel(name, url, format, null, Map.copyOf(headers));
    }

    private static AlertSettings.Rule rule(ConfigNode r, ConfigNode channels) {
        if (!r.isMapping()) {
            r.expected("a rule like { name: x, when: \"errorRate(route=x) > 5%\", for: 1m }");
            return null;
        }
        r.checkKeys(List.of("name", "when", "for", "resolveAfter", "labels", "notify"), Map.of());
        ConfigNode nameNode = r.require("name", NAME_EXPECTED);
        String name = nameNode.text(NAME_EXPECTED);
        if (name != null && !NAME.matcher(name.strip()).matches()) {
            nameNode.expected(NAME_EXPECTED);
            name = null;
        }
        ConfigNode whenNode = r.require("when", "a condition like \"errorRate(route=x) > 5%\"");
        String when = whenNode.text("a condition like \"errorRate(route=x) > 5%\"");
        AlertExpression expr = null;
        if (when != null) {
            try {
                expr = AlertExpression.parse(when);
            } catch (AlertExpression.Invalid e) {
                whenNode.problemAt(inside(whenNode, e.offset), e.getMessage());
            }
        }
        Duration forDuration = r.get("for").duration(Duration.ZERO, true);
        Duration resolveAfter = r.get("resolveAfter").duration(Duration.ofSeconds(30), true);
        Map<String, String> labels = new LinkedHashMap<>();
        r.get("labels").entries().forEach((k, e) -> {
            String v = e.value().text("a label value");
            if (v != null) labels.put(k, v);
        });
        List<String> notify = new ArrayList<>();
        for (ConfigNode n : r.get("notify").items("a list of channel names", true)) {
            String c = n.text("a channel name");
            if (c == null) continue;
            if (!channels.entries().containsKey(c.strip())) {
                n.problem("no channel " + ConfigNode.quote(c) + " (expected one of: "
                        + (channels.entries().isEmpty() ? "none defined under alerts.channels" : String.join(", ", channels.entries().keySet())) + ")");
                continue;
            }
            notify.add(c.strip());
        }
        if (name == null || expr == null) return null;
        return new AlertSettings.Rule(name.strip(), expr, forDuration, resolveAfter, Map.copyOf(labels), List.copyOf(notify));
    }

    private static AlertSettings.Retry retry(ConfigNode n) {
        AlertSettings.Retry d = AlertSettings.Retry.DEFAULT;
        n.checkKeys(List.of("attempts", "initialBackoff", "maxBackoff", "timeout"), Map.of());
        return new AlertSettings.Retry(n.get("attempts").integer(1, 100, d.attempts()),
                n.get("initialBackoff").duration(d.initialBackoff(), false),
                n.get("maxBackoff").duration(d.maxBackoff(), false),
                n.get("timeout").duration(d.timeout(), false));
    }

    /** The place {@code offset} characters into a one-line scalar (after its opening quote, if any). */
    private static Mark inside(ConfigNode scalar, int offset) {
        Mark m = scalar.mark();
        if (!(scalar.node() instanceof ScalarNode s) || s.getValue().contains("\n")
                || s.getValue().contains("${")) return m;
        int quote = s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN ? 0 : 1;
        return new Mark(m.getName(), m.getIndex() + quote + offset, m.getLine(), m.getColumn() + quote + offset,
                m.getBuffer(), m.getPointer());
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = URI.create(s.strip());
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
