package io.turnpike.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Binds {@code clients: { mobile: { when: { header: { X-Client: mobile } } }, web: { when: {
 * userAgent: "(?i)mozilla" } }, partner: { when: { group: partners } }, app: { when: { claim: {
 * client_type: app } } } }}. Order is kept: the first profile that matches wins.
 */
final class ClientsSection {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String EXPECTED_WHEN =
            "conditions like {header: {X-Client: mobile}}, {userAgent: \"(?i)iphone\"}, {group: partners} or {claim: {client_type: app}}";

    private ClientsSection() {}

    static List<ClientProfileSpec> bind(ConfigNode clients) {
        List<ClientProfileSpec> out = new ArrayList<>();
        if (!clients.isPresent()) return out;
        if (!clients.isMapping()) {
            clients.expected("a mapping of profiles like {mobile: {when: {header: {X-Client: mobile}}}}");
            return out;
        }
        Map<String, ConfigNode.Entry> entries = clients.entries();
        int i = 0;
        for (var e : entries.entrySet()) {
            String name = e.getKey();
            ConfigNode p = e.getValue().value();
            i++;
            if (!NAME.matcher(name).matches()) {
                clients.problemAt(e.getValue().key().getStartMark(), "profile name " + ConfigNode.quote(name)
                        + " (expected: a name of letters, digits and ._-)");
                continue;
            }
            if (!p.isPresent()) {
                out.add(new ClientProfileSpec(name, Map.of(), null, null, Map.of()));
                continue;
            }
            if (!p.isMapping()) {
                p.expected("a profile like {when: {header: {X-Client: mobile}}}");
                continue;
            }
            p.checkKeys(List.of("when"), Map.of());
            ConfigNode when = p.get("when");
            ClientProfileSpec spec = when(name, when);
            if (spec == null) continue;
            if (spec.matchesAll() && i < entries.size()) {
                p.problem("profile " + ConfigNode.quote(name) + " has no conditions, so the profiles after it never match"
                        + " (expected: " + EXPECTED_WHEN + ", or this profile last)");
            }
            out.add(spec);
        }
        return out;
    }

    private static ClientProfileSpec when(String name, ConfigNode when) {
        if (!when.isPresent()) return new ClientProfileSpec(name, Map.of(), null, null, Map.of());
        if (!when.isMapping()) {
            when.expected(EXPECTED_WHEN);
            return null;
        }
        when.checkKeys(List.of("header", "userAgent", "group", "claim"), Map.of());
        Map<String, String> headers = new LinkedHashMap<>();
        when.get("header").entries().forEach((h, e) -> {
            String v = e.value().text("a header value to match exactly");
            if (v != null) headers.put(h.toLowerCase(Locale.ROOT), v);
        });
        Pattern ua = null;
        boolean bad = false;
        String uaText = when.get("userAgent").text("a regular expression like (?i)iphone");
        if (uaText != null) {
            try {
                ua = Pattern.compile(uaText);
            } catch (PatternSyntaxException ex) {
                when.get("userAgent").problem(when.get("userAgent").describe() + " is not a valid regular expression: "
                        + ex.getDescription() + " (expected: a Java regular expression like (?i)iphone)");
                bad = true;
            }
        }
        String group = when.get("group").text("a consumer group like partners");
        Map<String, String> claims = new LinkedHashMap<>();
        when.get("claim").entries().forEach((c, e) -> {
            String v = e.value().text("a claim value to match exactly");
            if (v != null) claims.put(c, v);
        });
        return bad ? null : new ClientProfileSpec(name, headers, ua, group == null ? null : group.strip(), claims);
    }
}
