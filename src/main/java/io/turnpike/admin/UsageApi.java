package io.turnpike.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.turnpike.metering.Invoice;
import io.turnpike.metering.Metering;
import io.turnpike.metering.QuotaStatus;
import io.turnpike.metering.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code GET /admin/usage} and {@code GET /admin/invoices/{consumer}}. The ledger is read on the
 * meter's writer thread; the admin thread (never a traffic event loop) waits for the answer.
 */
final class UsageApi {
    static final String CSV = "text/csv; charset=utf-8";
    private static final long WAIT_SECONDS = 10;

    private final Metering metering; // null: the gateway meters nothing

    UsageApi(Metering metering) {
        this.metering = metering;
    }

    AdminReply usage(QueryStringDecoder uri) {
        if (metering == null) return notMetered();
        String consumer = param(uri, "consumer");
        String route = param(uri, "route");
        Instant now = metering.clock().instant();
        Instant from;
        Instant to;
        try {
            String f = param(uri, "from");
            String t = param(uri, "to");
            from = f == null ? YearMonth.from(now.atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : instant(f);
            to = t == null ? now : instant(t);
        } catch (DateTimeParseException e) {
            return bad("from and to take an instant like 2026-11-01T00:00:00Z or a date like 2026-11-01 (UTC)");
        }
        if (!to.isAfter(from)) return bad("to (" + to + ") must be after from (" + from + ")");
        Usage u;
        try {
            u = await(metering.usage(consumer, route, from, to));
        } catch (Unavailable e) {
            return e.answer;
        }
        ObjectNode body = AdminReply.JSON.createObjectNode();
        body.put("from", u.from().toString()).put("to", u.to().toString());
        ArrayNode items = body.putArray("items");
        Map<String, long[]> perConsumer = new LinkedHashMap<>();
        Map<String, BigDecimal> costs = new LinkedHashMap<>();
        Map<String, String> currencies = new LinkedHashMap<>();
        for (Usage.Line l : u.lines()) {
            ObjectNode row = items.addObject();
            row.put("consumer", l.consumer()).put("route", l.route()).put("calls", l.calls()).put("units", l.units())
                    .put("overageUnits", l.overageUnits());
            ObjectNode status = row.putObject("callsByStatus");
            l.callsByStatusClass().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> status.put(e.getKey(), e.getValue()));
            row.put("cost", l.cost());
            row.put("currency", l.currency());
            long[] sum = perConsumer.computeIfAbsent(l.consumer(), c -> new long[3]);
            sum[0] += l.calls();
            sum[1] += l.units();
            sum[2] += l.overageUnits();
            costs.merge(l.consumer(), l.cost(), BigDecimal::add);
            currencies.put(l.consumer(), l.currency());
        }
        // Consumers with a quota show it even before their first call in the range.
        if (consumer != null) {
            if (!perConsumer.containsKey(consumer) && metering.knows(consumer)) perConsumer.put(consumer, new long[3]);
        } else {
            metering.consumersWithQuota().forEach(c -> perConsumer.putIfAbsent(c, new long[3]));
        }
        ArrayNode consumers = body.putArray("consumers");
        perConsumer.forEach((id, sum) -> {
            ObjectNode c = consumers.addObject();
            c.put("consumer", id).put("calls", sum[0]).put("units", sum[1]).put("overageUnits", sum[2]);
            c.put("cost", costs.getOrDefault(id, BigDecimal.ZERO.setScale(2)));
            c.put("currency", currencies.get(id));
            Optional<QuotaStatus> q = metering.quota(id);
            if (q.isPresent()) quota(c.putObject("quota"), q.get());
            else c.putNull("quota");
        });
        return AdminReply.ok(body);
    }

    private static void quota(ObjectNode o, QuotaStatus q) {
        o.put("plan", q.plan()).put("limit", q.limit()).put("period", q.period().name().toLowerCase(Locale.ROOT))
                .put("used", q.used()).put("remaining", q.remaining())
                .put("periodStart", q.periodStart().toString()).put("resetsAt", q.resetsAt().toString())
                .put("overage", q.overage().name().toLowerCase(Locale.ROOT));
    }

    AdminReply invoice(String consumer, QueryStringDecoder uri, String accept) {
        if (metering == null) return notMetered();
        String m = param(uri, "month");
        YearMonth month;
        try {
            month = m == null ? metering.month(metering.clock().instant()) : YearMonth.parse(m);
        } catch (DateTimeParseException e) {
            return bad("month=" + m + " (expected: a month like 2026-11)");
        }
        Invoice inv;
        try {
            inv = await(metering.invoice(consumer, month));
        } catch (Unavailable e) {
            return e.answer;
        }
        if (inv.items().isEmpty() && !metering.knows(consumer)) {
            return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                    "no consumer \"" + consumer + "\" in the running config and no usage of it in " + month);
        }
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("text/csv")) return AdminReply.text(CSV, csv(inv));
        ObjectNode body = AdminReply.JSON.createObjectNode();
        body.put("consumer", inv.consumer()).put("plan", inv.plan()).put("month", inv.month())
                .put("periodStart", inv.periodStart().toString()).put("periodEnd", inv.periodEnd().toString())
                .put("currency", inv.currency());
        ArrayNode items = body.putArray("items");
        for (Invoice.Item i : inv.items()) {
            items.addObject().put("route", i.route()).put("kind", i.kind()).put("calls", i.calls())
                    .put("units", i.units()).put("unitPrice", i.unitPrice()).put("amount", i.amount());
        }
        body.put("total", inv.total());
        return AdminReply.ok(body);
    }

    /** One row per line item, then a total row; decimals in plain notation. */
    static String csv(Invoice inv) {
        StringBuilder out = new StringBuilder("consumer,month,period_start,period_end,route,kind,calls,units,unit_price,amount,currency\r\n");
        String head = cell(inv.consumer()) + "," + inv.month() + "," + inv.periodStart() + "," + inv.periodEnd() + ",";
        String currency = inv.currency() == null ? "" : cell(inv.currency());
        for (Invoice.Item i : inv.items()) {
            out.append(head).append(cell(i.route())).append(',').append(i.kind()).append(',').append(i.calls())
                    .append(',').append(i.units()).append(',').append(i.unitPrice().toPlainString()).append(',')
                    .append(i.amount().toPlainString()).append(',').append(currency).append("\r\n");
        }
        out.append(head).append(",total,,,,").append(inv.total().toPlainString()).append(',').append(currency).append("\r\n");
        return out.toString();
    }

    private static String cell(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static Instant instant(String s) {
        if (s.length() == 10) return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Instant.parse(s);
    }

    private static String param(QueryStringDecoder uri, String name) {
        List<String> v = uri.parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0).strip();
    }

    private static AdminReply bad(String detail) {
        return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-parameter", "Bad parameter", detail);
    }

    private static AdminReply notMetered() {
        return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-metered", "Not metered",
                "this gateway was started without a usage ledger");
    }

    private static final class Unavailable extends Exception {
        final AdminReply answer;

        Unavailable(String detail) {
            super(detail, null, false, false);
            this.answer = AdminReply.problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "ledger-unavailable",
                    "Ledger unavailable", detail);
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws Unavailable {
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new Unavailable("the usage ledger did not answer within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new Unavailable("the usage ledger could not be read: " + e.getCause());
        }
    }
}
