package io.turnpike.observe.alert;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * One alert state change as it is sent: what a webhook receives (or the log shows).
 *
 * @param state      {@code firing} or {@code resolved}
 * @param value      the last reading, in the expression's unit
 * @param threshold  e.g. {@code > 5%}; empty for a state signal
 * @param labels     the rule's labels and the instance's (e.g. {@code route=users-read})
 * @param endsAt     null while firing
 */
public record Notice(String rule, String state, double value, String valueText, String threshold, String expression,
                     Map<String, String> labels, Instant startsAt, Instant endsAt, String dashboard) {

    /** Identifies the notice for dedupe: the same alert's same state change is sent once. */
    String id() {
        return rule + "|" + new java.util.TreeMap<>(labels) + "|" + state + "|" + startsAt;
    }

    ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("rule", rule);
        o.put("state", state);
        if (Double.isNaN(value)) o.putNull("value"); else o.put("value", value);
        o.put("valueText", valueText);
        o.put("threshold", threshold);
        o.put("expression", expression);
        ObjectNode l = o.putObject("labels");
        labels.forEach(l::put);
        o.put("startsAt", startsAt.toString());
        if (endsAt == null) o.putNull("endsAt"); else o.put("endsAt", endsAt.toString());
        o.put("dashboard", dashboard);
        return o;
    }

    /** Slack's incoming-webhook body: one line of text (mrkdwn). */
    ObjectNode slack() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("text", line(true));
        return o;
    }

    /** {@code FIRING users-errors: errorRate(route=users-read) = 12.5% (> 5%) [route=users-read] since ...}. */
    String line(boolean markup) {
        String head = state.toUpperCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        b.append(markup ? (state.equals("firing") ? ":rotating_light: *" : ":white_check_mark: *") + head + "*" : head);
        b.append(' ').append(rule).append(": ").append(expression);
        if (!threshold.isEmpty()) b.append(" = ").append(valueText);
        if (!labels.isEmpty()) b.append(' ').append(labels);
        b.append(state.equals("firing") ? " since " + startsAt : " at " + endsAt);
        if (dashboard != null) b.append(markup ? " <" + dashboard + "|dashboard>" : " " + dashboard);
        return b.toString();
    }
}
