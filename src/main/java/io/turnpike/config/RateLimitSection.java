package io.turnpike.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds rate limits: a rate ({@code 50/s}), a list of rates, a mapping
 * {@code { limit: 50/s, burst: 10, key: consumer }}, or a list of those.
 */
final class RateLimitSection {
    static final String RATE = "a rate like 50/s, 1000/min, 10000/h or 100000/d";
    private static final Pattern RATE_TEXT = Pattern.compile("\\s*(\\d{1,12})\\s*/\\s*(\\d{0,6})\\s*([a-z]+)\\s*");
    private static final String KEY = "a key like consumer, ip, route, header:X-Tenant or claim:tenant";
    private static final Leaf RATE_FORM = new Leaf.Matching(
            "^\\s*\\d{1,12}\\s*/\\s*\\d{0,6}\\s*(s|sec|second|m|min|minute|h|hour|d|day)\\s*$");
    private static final Leaf KEY_FORMS = Leaf.either(Leaf.wordsInAnyCase("consumer", "ip", "route"),
            new Leaf.Matching("^\\s*(header|claim)\\s*:\\s*\\S"));

    private RateLimitSection() {}

    /** @param defaultKey the key of a limit that names none */
    static List<RateLimitSpec> bind(ConfigNode node, List<RateLimitSpec.KeyPart> defaultKey, boolean keyAllowed) {
        List<RateLimitSpec> out = new ArrayList<>();
        if (!node.isPresent()) return out;
        if (node.isMapping()) {
            RateLimitSpec spec = one(node, defaultKey, keyAllowed);
            if (spec != null) out.add(spec);
            return out;
        }
        for (ConfigNode item : node.items("a rate like 50/s or a list of limits like [{limit: 50/s, key: consumer}]", true)) {
            RateLimitSpec spec = one(item, defaultKey, keyAllowed);
            if (spec != null) out.add(spec);
        }
        return out;
    }

    private static RateLimitSpec one(ConfigNode item, List<RateLimitSpec.KeyPart> defaultKey, boolean keyAllowed) {
        if (!item.isMapping()) {
            long[] rate = rate(item);
            return rate == null ? null : new RateLimitSpec(rate[0], Duration.ofSeconds(rate[1]), rate[0], defaultKey);
        }
        item.checkKeys(keyAllowed ? List.of("limit", "burst", "key") : List.of("limit", "burst"),
                keyAllowed ? Map.of() : Map.of("key", "a plan's limits are per consumer (expected: no key here)"));
        long[] rate = rate(item.require("limit", RATE));
        int burst = item.get("burst").integer(1, Integer.MAX_VALUE, -1);
        List<RateLimitSpec.KeyPart> key = keyAllowed && item.get("key").isPresent() ? key(item.get("key")) : defaultKey;
        if (rate == null) return null;
        return new RateLimitSpec(rate[0], Duration.ofSeconds(rate[1]), burst > 0 ? burst : rate[0], key);
    }

    /** {@code [count, seconds]}, or null (reported). */
    static long[] rate(ConfigNode node) {
        String t = node.text(RATE, RATE_FORM);
        if (t == null) return null;
        Matcher m = RATE_TEXT.matcher(t.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            node.expected(RATE);
            return null;
        }
        long count = Long.parseLong(m.group(1));
        long times = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        long unit = switch (m.group(3)) {
            case "s", "sec", "second" -> 1;
            case "m", "min", "minute" -> 60;
            case "h", "hour" -> 3600;
            case "d", "day" -> 86400;
            default -> -1;
        };
        if (count < 1 || times < 1 || unit < 0) {
            node.expected(RATE);
            return null;
        }
        return new long[] {count, times * unit};
    }

    private static List<RateLimitSpec.KeyPart> key(ConfigNode node) {
        List<RateLimitSpec.KeyPart> out = new ArrayList<>();
        for (ConfigNode part : node.items(KEY + ", or a list of them", true)) {
            String t = part.text(KEY, KEY_FORMS);
            if (t == null) continue;
            t = t.strip();
            int colon = t.indexOf(':');
            String kind = (colon < 0 ? t : t.substring(0, colon)).toLowerCase(Locale.ROOT);
            String name = colon < 0 ? null : t.substring(colon + 1).strip();
            RateLimitSpec.KeyPart p = switch (kind) {
                case "consumer" -> name == null ? new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.CONSUMER, null) : null;
                case "ip" -> name == null ? new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.IP, null) : null;
                case "route" -> name == null ? new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.ROUTE, null) : null;
                case "header" -> name != null && !name.isEmpty()
                        ? new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.HEADER, name.toLowerCase(Locale.ROOT)) : null;
                case "claim" -> name != null && !name.isEmpty()
                        ? new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.CLAIM, name) : null;
                default -> null;
            };
            if (p == null) part.expected(KEY);
            else if (!out.contains(p)) out.add(p);
        }
        if (out.isEmpty() && node.isPresent()) node.expected(KEY);
        return out;
    }

    /** The unit a period is written in: {@code s}, {@code min}, {@code h}, {@code d}, or {@code 30s}. */
    static String unit(Duration period) {
        long s = period.toSeconds();
        if (s == 1) return "s";
        if (s == 60) return "min";
        if (s == 3600) return "h";
        if (s == 86400) return "d";
        return s + "s";
    }
}
