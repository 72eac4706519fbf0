package io.turnpike.config;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds {@code plans: { pro: { rateLimit: 200/s, quota: 5000000/month, price: { perUnit: 0.0002,
 * currency: USD }, overage: block } }}. Prices are read as decimals, never as floating point.
 */
final class PlansSection {
    private static final Pattern QUOTA = Pattern.compile("\\s*(\\d{1,15})\\s*/\\s*(day|month)\\s*");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Leaf QUOTA_FORM = new Leaf.Matching("^" + QUOTA.pattern() + "$");
    private static final Leaf CURRENCY_FORM = new Leaf.Matching("^\\s*" + CURRENCY.pattern() + "\\s*$");
    private static final List<RateLimitSpec.KeyPart> BY_CONSUMER =
            List.of(new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.CONSUMER, null));

    private PlansSection() {}

    static Map<String, PlanSpec> bind(ConfigNode plans) {
        Map<String, PlanSpec> out = new LinkedHashMap<>();
        if (!plans.isPresent()) return out;
        if (!plans.isMapping()) {
            plans.expected("a mapping of plans like {free: {rateLimit: 10/s, quota: 10000/month}}");
            return out;
        }
        plans.entries().forEach((id, e) -> {
            ConfigNode p = plans.get(id);
            if (!ServiceSection.ID.matcher(id).matches()) {
                plans.problemAt(e.key().getStartMark(), "plan id " + ConfigNode.quote(id)
                        + " (expected: an id of letters, digits and ._-)");
            }
            if (!p.isMapping()) {
                p.expected("a plan like {rateLimit: 10/s, quota: 10000/month}");
                return;
            }
            p.checkKeys(List.of("rateLimit", "quota", "quotaResetDay", "price", "overage", "billOn"), Map.of());
            List<RateLimitSpec> limits = RateLimitSection.bind(p.get("rateLimit"), BY_CONSUMER, false);
            PlanSpec.Quota quota = quota(p.get("quota"), p.get("quotaResetDay"));
            PlanSpec.Price price = price(p.get("price"));
            PlanSpec.Overage overage = choice(p.get("overage"), PlanSpec.Overage.class, PlanSpec.Overage.BLOCK);
            PlanSpec.BillOn billOn = choice(p.get("billOn"), PlanSpec.BillOn.class, PlanSpec.BillOn.REACHED);
            out.put(id, new PlanSpec(id, limits, quota, price, overage, billOn));
        });
        return out;
    }

    private static PlanSpec.Quota quota(ConfigNode q, ConfigNode resetDay) {
        int day = resetDay.integer(1, 28, 1);
        String t = q.text("a quota like 10000/month or 500/day", QUOTA_FORM);
        if (t == null) {
            if (resetDay.isPresent()) resetDay.problem("quotaResetDay without a quota (expected: quota: N/month)");
            return null;
        }
        var m = QUOTA.matcher(t.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            q.expected("a quota like 10000/month or 500/day");
            return null;
        }
        PlanSpec.Period period = m.group(2).equals("day") ? PlanSpec.Period.DAY : PlanSpec.Period.MONTH;
        if (period == PlanSpec.Period.DAY && resetDay.isPresent()) {
            resetDay.problem("quotaResetDay applies to a monthly quota (expected: no quotaResetDay with N/day)");
        }
        return new PlanSpec.Quota(Long.parseLong(m.group(1)), period, day);
    }

    private static PlanSpec.Price price(ConfigNode p) {
        if (!p.isPresent()) return null;
        if (!p.isMapping()) {
            p.expected("a price like {perUnit: 0.0002, currency: USD}");
            return null;
        }
        p.checkKeys(List.of("perUnit", "currency", "overagePerUnit"), Map.of());
        BigDecimal perUnit = decimal(p.require("perUnit", "a price per unit like 0.0002"));
        String currency = p.require("currency", "a currency code like USD").text("a currency code like USD", CURRENCY_FORM);
        if (currency != null && !CURRENCY.matcher(currency.strip()).matches()) {
            p.get("currency").expected("a three-letter currency code like USD or EUR");
            currency = null;
        }
        BigDecimal overage = p.get("overagePerUnit").isPresent() ? decimal(p.get("overagePerUnit")) : null;
        return perUnit == null || currency == null ? null : new PlanSpec.Price(perUnit, currency.strip(), overage);
    }

    private static BigDecimal decimal(ConfigNode n) {
        String t = n.text("a decimal number like 0.0002", new Leaf.Decimal(0, Double.POSITIVE_INFINITY));
        if (t == null) return null;
        try {
            BigDecimal d = new BigDecimal(t.strip());
            if (d.signum() >= 0) return d;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        n.expected("a decimal number >= 0 like 0.0002");
        return null;
    }

    private static <E extends Enum<E>> E choice(ConfigNode n, Class<E> type, E fallback) {
        String expected = "one of " + names(type);
        String word = n.choice(Leaf.words(type), null, expected, expected);
        return word == null ? fallback : Enum.valueOf(type, word.toUpperCase(Locale.ROOT));
    }

    private static String names(Class<? extends Enum<?>> type) {
        StringBuilder b = new StringBuilder();
        for (Enum<?> e : type.getEnumConstants()) {
            if (b.length() > 0) b.append(", ");
            b.append(e.name().toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }
}
