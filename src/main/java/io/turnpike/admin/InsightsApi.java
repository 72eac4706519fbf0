package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.turnpike.observe.analytics.Dimension;
import io.turnpike.observe.analytics.Report;
import io.turnpike.observe.analytics.UsageSource;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code /admin/analytics}, {@code /admin/analytics/consumers}, {@code /admin/alerts}: what the dashboard reads. */
final class InsightsApi {
    private static final Pattern WINDOW = Pattern.compile("(\\d{1,6})(s|m|h|d)");
    private static final Duration MAX_WINDOW = Duration.ofHours(24);

    private final Insights insights;

    private io.turnpike.cluster.Fleet fleet; // null: silences are this node's

    /** In a fleet, silences go through the shared store and every node keeps them. */
    InsightsApi shared(io.turnpike.cluster.Fleet fleet) {
        this.fleet = fleet;
        return this;
    }

    InsightsApi(Insights insights) {
        this.insights = insights;
    }

    /** GET /admin/analytics?by=&window=&top=&sort= */
    AdminReply analytics(QueryStringDecoder uri) {
        if (insights.analytics() == null) return off("analytics");
        String byText = param(uri, "by", "route");
        Dimension by = Dimension.of(byText);
        if (by == null) return bad("by=" + byText + " (expected: route, service, node, consumer, status or profile)");
        String windowText = param(uri, "window", "15m");
        Duration window = analyticsWindow(windowText);
        if (window == null) return bad("window=" + windowText + " (expected: a duration from 10s to 24h, like 15m or 1h)");
        String topText = param(uri, "top", "0");
        int top;
        try {
            top = Integer.parseInt(topText);
            if (top < 0 || top > 1000) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            return bad("top=" + topText + " (expected: an integer from 1 to 1000; absent for every key)");
        }
        String sortText = param(uri, "sort", "calls");
        Report.Sort sort = Report.Sort.of(sortText);
        if (sort == null) return bad("sort=" + sortText + " (expected: calls, errors or p99)");
        Report r = insights.analytics().report(by, window.toMillis(), top, sort);
        return AdminReply.ok(r.json(windowText));
    }

    /** GET /admin/analytics/consumers?window=: traffic per consumer with metered usage, quota and bill. */
    AdminReply consumers(QueryStringDecoder uri) {
        if (insights.analytics() == null) return off("analytics");
        String windowText = param(uri, "window", "1h");
        Duration window = analyticsWindow(windowText);
        if (window == null) return bad("window=" + windowText + " (expected: a duration from 10s to 24h, like 15m or 1h)");
        Report r = insights.analytics().report(Dimension.CONSUMER, window.toMillis(), 0, Report.Sort.CALLS);
        Map<String, UsageSource.ConsumerUsage> usage = new HashMap<>();
        for (UsageSource.ConsumerUsage u : insights.usage().consumers()) usage.put(u.consumer(), u);
        ObjectNode o = AdminReply.JSON.createObjectNode();
        o.put("window", windowText);
        o.put("metering", insights.usage() != UsageSource.NONE);
        ArrayNode rows = o.putArray("consumers");
        java.util.Set<String> done = new java.util.HashSet<>();
        for (Report.KeySeries k : r.keys()) {
            ObjectNode row = rows.addObject();
            row.put("consumer", k.key());
            row.set("traffic", k.totals().json());
            usage(row, usage.get(k.key()));
            done.add(k.key());
        }
        for (UsageSource.ConsumerUsage u : usage.values()) {
            if (done.contains(u.consumer())) continue;
            ObjectNode row = rows.addObject();
            row.put("consumer", u.consumer());
            row.putNull("traffic");
            usage(row, u);
        }
        return AdminReply.ok(o);
    }

    private static void usage(ObjectNode row, UsageSource.ConsumerUsage u) {
        if (u == null) {
            row.putNull("usage");
            return;
        }
        ObjectNode o = row.putObject("usage");
        o.put("plan", u.plan()).put("used", u.used()).put("quota", u.quota());
        double q = u.quotaUsed();
        if (Double.isNaN(q)) o.putNull("quotaUsed"); else o.put("quotaUsed", Math.round(q * 1e4) / 1e4);
        o.put("bill", u.bill()).put("currency", u.currency());
    }

    /** GET /admin/alerts */
    AdminReply alerts() {
        if (insights.alerts() == null) return off("alerts");
        return AdminReply.ok(insights.alerts().view());
    }

    /** POST /admin/alerts/{name}/silence {"for":"30m"}; "0s" lifts it. */
    AdminReply silence(String name, String body) {
        if (insights.alerts() == null) return off("alerts");
        JsonNode req;
        try {
            req = body == null || body.isBlank() ? null : AdminReply.JSON.readTree(body);
        } catch (java.io.IOException e) {
            req = null;
        }
        String forText = req != null && req.path("for").isTextual() ? req.path("for").asText() : null;
        Duration d = forText == null ? null : forText.strip().matches("0+[smhd]?") ? Duration.ZERO : window(forText);
        if (d == null || d.compareTo(Duration.ofDays(7)) > 0) {
            return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-silence", "Bad silence",
                    "for: " + (forText == null ? "missing" : "\"" + forText + "\"")
                            + " (expected: {\"for\": \"30m\"}, a duration up to 7d; \"0s\" lifts the silence)");
        }
        if (fleet != null && insights.alerts().hasRule(name)) {
            Instant end = Instant.now().plus(d).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            try {
                fleet.write(io.turnpike.cluster.SharedSilences.KIND, name, io.turnpike.cluster.SharedSilences.body(end), null);
            } catch (io.turnpike.cluster.StoreDown e) {
                return EntityWrites.storeDown(fleet, e);
            }
            return AdminReply.ok(AdminReply.JSON.createObjectNode().put("rule", name).put("silencedUntil", end.toString()));
        }
        Instant until = insights.alerts().silence(name, d);
        if (until == null) {
            return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                    "no alert rule \"" + name + "\" in the running config (GET /admin/alerts lists them)");
        }
        return AdminReply.ok(AdminReply.JSON.createObjectNode().put("rule", name).put("silencedUntil", until.toString()));
    }

    private static Duration window(String text) {
        Matcher m = WINDOW.matcher(text.strip());
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return d.isZero() || d.compareTo(Duration.ofDays(7)) > 0 ? null : d;
    }

    static Duration analyticsWindow(String text) {
        Duration d = window(text);
        return d == null || d.compareTo(MAX_WINDOW) > 0 || d.toSeconds() < 10 ? null : d;
    }

    private static String param(QueryStringDecoder uri, String name, String fallback) {
        List<String> v = uri.parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? fallback : v.get(0).strip();
    }

    private static AdminReply bad(String detail) {
        return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-parameter", "Bad parameter", detail);
    }

    private static AdminReply off(String what) {
        return AdminReply.problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "not-running", "Not running",
                what + " are not running in this process");
    }
}
