package io.turnpike.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the {@code {...}} variables of a template written in a transform or an aggregation:
 * route variables ({@code {id}}), request values ({@code {header.X-User}}, {@code {query.q}},
 * {@code {claim.sub}}, {@code {consumer.id}}, {@code {consumer.groups}}, {@code {profile}},
 * {@code {requestId}}) and, in an aggregation, other calls' results ({@code {profile.segment}}).
 */
final class ConfigTemplates {
    static final Pattern VAR = Pattern.compile("\\{([^{}]*)}");
    static final List<String> REQUEST_PREFIXES = List.of("header", "query", "claim", "consumer");
    static final List<String> PLAIN = List.of("profile", "requestId");

    private ConfigTemplates() {}

    /**
     * Reports every variable that does not resolve.
     *
     * @param calls names of calls whose results may be used; null where no call results exist
     * @return the calls referenced, in order of first use
     */
    static List<String> check(ConfigNode node, String template, Collection<String> routeVars,
                              Collection<String> calls) {
        List<String> used = new ArrayList<>();
        String stripped = VAR.matcher(template).replaceAll("");
        if (stripped.contains("{") || stripped.contains("}")) {
            node.expected("variables written as {name}");
            return used;
        }
        Matcher m = VAR.matcher(template);
        while (m.find()) {
            String var = m.group(1).strip();
            int dot = var.indexOf('.');
            String head = dot < 0 ? var : var.substring(0, dot);
            if (dot < 0) {
                if (routeVars.contains(var) || PLAIN.contains(var)) continue;
            } else if (REQUEST_PREFIXES.contains(head)) {
                String rest = var.substring(dot + 1);
                if (!rest.isEmpty() && (!head.equals("consumer") || rest.equals("id") || rest.equals("groups"))) {
                    continue;
                }
            } else if (calls != null && calls.contains(head) && dot < var.length() - 1) {
                if (!used.contains(head)) used.add(head);
                continue;
            }
            node.problem(node.describe() + " uses {" + var + "}, which is not defined (expected: "
                    + expectedVars(routeVars, calls) + ")");
        }
        return used;
    }

    private static String expectedVars(Collection<String> routeVars, Collection<String> calls) {
        List<String> out = new ArrayList<>();
        routeVars.forEach(v -> out.add("{" + v + "}"));
        out.add("{header.NAME}");
        out.add("{query.NAME}");
        out.add("{claim.NAME}");
        out.add("{consumer.id}");
        out.add("{consumer.groups}");
        out.add("{profile}");
        out.add("{requestId}");
        if (calls != null && !calls.isEmpty()) out.add("a call's result like {" + calls.iterator().next() + ".field}");
        return String.join(", ", out);
    }
}
