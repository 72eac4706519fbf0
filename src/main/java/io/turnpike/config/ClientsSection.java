package io.turnpike.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

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
        com.google.re2j.Pattern ua = null;
        boolean bad = false;
        String uaText = when.get("userAgent").text("a regular expression like (?i)iphone");
        if (uaText != null) {
            ua = userAgent(when.get("userAgent"), uaText);
            bad = ua == null;
        }
        String group = when.get("group").text("a consumer group like partners");
        Map<String, String> claims = new LinkedHashMap<>();
        when.get("claim").entries().forEach((c, e) -> {
            String v = e.value().text("a claim value to match exactly");
            if (v != null) claims.put(c, v);
        });
        return bad ? null : new ClientProfileSpec(name, headers, ua, group == null ? null : group.strip(), claims);
    }

    /**
     * Compiles a User-Agent pattern with RE2/J, whose matching time grows linearly with the input
     * whatever the pattern: it runs on every request, on a header the client writes. Patterns that
     * only a backtracking engine can run are refused, saying which feature is missing.
     */
    private static com.google.re2j.Pattern userAgent(ConfigNode node, String text) {
        try {
            return com.google.re2j.Pattern.compile(text);
        } catch (com.google.re2j.PatternSyntaxException ex) {
            String at = ex.getPattern().isEmpty() ? "" : " at `" + ex.getPattern() + "`";
            if (compilesForBacktracking(text)) {
                node.problem(node.describe() + " uses " + missingFeature(text, ex) + at + ", which the linear-time"
                        + " regex engine (RE2) that User-Agent patterns run on does not have: no backreferences,"
                        + " lookaround, atomic groups or possessive quantifiers, repeats up to {1000}"
                        + " (expected: an RE2 regular expression like (?i)iphone)");
            } else {
                node.problem(node.describe() + " is not a valid regular expression: " + ex.getDescription() + at
                        + " (expected: an RE2 regular expression like (?i)iphone)");
            }
            return null;
        }
    }

    /** Names what RE2 refused in a pattern Java's engine takes; RE2's own words are about its parser. */
    private static String missingFeature(String text, com.google.re2j.PatternSyntaxException ex) {
        String at = ex.getPattern();
        if (at.startsWith("(?=") || at.startsWith("(?!")) return "a lookahead";
        if (text.contains("(?<=") || text.contains("(?<!")) return "a lookbehind";
        if (at.startsWith("(?>")) return "an atomic group";
        if (at.matches("\\\\(\\d|k<).*")) return "a backreference";
        if (at.matches(".*[*+?}]\\+")) return "a possessive quantifier";
        return ex.getDescription();
    }

    /** Only to tell a feature RE2 lacks from a plain syntax error; never run on a request. */
    private static boolean compilesForBacktracking(String text) {
        try {
            Pattern.compile(text);
            return true;
        } catch (java.util.regex.PatternSyntaxException e) {
            return false;
        }
    }
}
