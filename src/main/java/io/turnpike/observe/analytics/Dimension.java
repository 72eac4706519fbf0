package io.turnpike.observe.analytics;

import java.util.Locale;

/** What traffic is grouped by. {@code PROFILE} stays empty when no {@code clients:} are configured. */
public enum Dimension {
    ROUTE, SERVICE, NODE, CONSUMER, STATUS, PROFILE;

    /** {@link #values()} copies its array on every call; the writer thread walks this one per record. */
    static final Dimension[] ALL = values();
    /** Status codes as keys, made once: the writer keys every record by its status. */
    private static final String[] STATUS_KEYS = new String[600];

    static {
        for (int s = 0; s < STATUS_KEYS.length; s++) STATUS_KEYS[s] = Integer.toString(s);
    }

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
            case STATUS -> r.status() >= 0 && r.status() < STATUS_KEYS.length ? STATUS_KEYS[r.status()] : Integer.toString(r.status());
            case PROFILE -> r.profile();
        };
    }
}
