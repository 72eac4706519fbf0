package io.turnpike.observe.analytics;

import java.util.Locale;

/** What traffic is grouped by. {@code PROFILE} stays empty when no {@code clients:} are configured. */
public enum Dimension {
    ROUTE, SERVICE, NODE, CONSUMER, STATUS, PROFILE;

    /** The name used in {@code ?by=} and in alert selectors. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Null when {@code label} names none. */
    public static Dimension of(String label) {
        for (Dimension d : values()) {
            if (d.label().equals(label)) return d;
        }
        return null;
    }

    /** The record's key in this dimension; null when it has none (an anonymous call has no consumer). */
    String keyOf(AnalyticsRecord r) {
        return switch (this) {
            case ROUTE -> r.route();
            case SERVICE -> r.service();
            case NODE -> r.node();
            case CONSUMER -> r.consumer();
            case STATUS -> Integer.toString(r.status());
            case PROFILE -> r.profile();
        };
    }
}
