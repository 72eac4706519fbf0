package io.turnpike.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Binds a route's {@code policies: { ipAllow, ipDeny, cors, maxBodyBytes, requireHeaders }}. */
final class PoliciesSection {
    private static final String CIDR = "an address or range like 10.0.0.0/8 or 2001:db8::/32";

    private PoliciesSection() {}

    static RoutePolicies bind(ConfigNode p) {
        if (!p.isPresent()) return RoutePolicies.NONE;
        p.checkKeys(List.of("ipAllow", "ipDeny", "cors", "maxBodyBytes", "requireHeaders"), Map.of());
        List<Cidr> allow = cidrs(p.get("ipAllow"));
        List<Cidr> deny = cidrs(p.get("ipDeny"));
        IpFilter ip = allow.isEmpty() && deny.isEmpty() ? null : new IpFilter(allow, deny);
        long maxBody = p.get("maxBodyBytes").size(0, Long.MAX_VALUE, -1);
        return new RoutePolicies(ip, cors(p.get("cors")), maxBody, requiredHeaders(p.get("requireHeaders")));
    }

    private static final java.util.regex.Pattern HEADER_NAME = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static List<String> requiredHeaders(ConfigNode list) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : list.items("a list of header names like [X-Tenant]", true)) {
            String t = item.text("a header name like X-Tenant");
            if (t == null) continue;
            if (HEADER_NAME.matcher(t.strip()).matches()) {
                out.add(t.strip());
            } else {
                item.expected("a header name like X-Tenant");
            }
        }
        return out;
    }

    private static List<Cidr> cidrs(ConfigNode list) {
        List<Cidr> out = new ArrayList<>();
        for (ConfigNode item : list.items("a list of ranges like [10.0.0.0/8]", true)) {
            String t = item.text(CIDR);
            if (t == null) continue;
            try {
                out.add(Cidr.parse(t));
            } catch (IllegalArgumentException e) {
                item.expected(CIDR);
            }
        }
        return out;
    }

    private static Cors cors(ConfigNode c) {
        if (!c.isPresent()) return null;
        c.checkKeys(List.of("origins", "methods", "headers", "exposeHeaders", "credentials", "maxAge"), Map.of());
        List<String> origins = strings(c.get("origins"), "origins like [https://app.example.com, https://*.example.com]");
        if (origins.isEmpty() && c.isMapping()) {
            c.problem("no origins (expected: origins: [https://app.example.com] or [\"*\"])");
        }
        for (String o : origins) {
            if (o.equals("*") && c.get("credentials").bool(false)) {
                c.get("origins").problem("\"*\" with credentials: true (expected: the origins themselves; browsers refuse * with credentials)");
            }
        }
        List<String> methods = strings(c.get("methods"), "methods like [GET, POST]");
        if (methods.isEmpty()) methods = List.of("GET", "HEAD", "POST");
        Duration maxAge = c.get("maxAge").duration(Duration.ofMinutes(10), true);
        return new Cors(origins, methods, strings(c.get("headers"), "header names"),
                strings(c.get("exposeHeaders"), "header names"), c.get("credentials").bool(false), maxAge);
    }

    private static List<String> strings(ConfigNode list, String expected) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : list.items("a list of " + expected, true)) {
            String t = item.text(expected);
            if (t != null && !t.isBlank()) out.add(t.strip());
        }
        return out;
    }
}
