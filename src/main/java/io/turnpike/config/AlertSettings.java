package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code alerts:}: where alerts go (channels) and when they fire (rules).
 *
 * @param evaluateEvery how often the rules are evaluated
 * @param dashboardUrl  the link put in notifications; null = the admin listener's own address
 */
public record AlertSettings(Map<String, Channel> channels, List<Rule> rules, Duration evaluateEvery, Retry retry,
                            String dashboardUrl) {
    public static final AlertSettings NONE = new AlertSettings(Map.of(), List.of(), Duration.ofSeconds(1),
            Retry.DEFAULT, null);

    public AlertSettings {
        channels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(channels));
        rules = List.copyOf(rules);
    }

    /**
     * One place alerts are sent: a webhook (JSON, or Slack's format) or the gateway's log.
     *
     * @param webhook  the URL posted to; null for a log channel
     * @param format   {@code json} or {@code slack}
     * @param logLevel {@code info}, {@code warn} or {@code error} for a log channel; null for a webhook
     * @param headers  extra request headers for the webhook (e.g. an Authorization)
     */
    public record Channel(String name, String webhook, String format, String logLevel, Map<String, String> headers) {
        public boolean isLog() {
            return webhook == null;
        }
    }

    /**
     * @param forDuration  how long {@code when} must hold before the alert fires
     * @param resolveAfter how long it must stay false before a firing alert resolves
     * @param channels     channel names (notify:); every channel when the rule names none
     */
    public record Rule(String name, AlertExpression when, Duration forDuration, Duration resolveAfter,
                       Map<String, String> labels, List<String> channels) {}

    /** Webhook delivery retries: the wait doubles from {@code initialBackoff} up to {@code maxBackoff}. */
    public record Retry(int attempts, Duration initialBackoff, Duration maxBackoff, Duration timeout) {
        public static final Retry DEFAULT = new Retry(10, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(5));
    }
}
