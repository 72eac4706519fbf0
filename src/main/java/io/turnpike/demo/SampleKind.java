package io.turnpike.demo;

import java.util.Locale;

/** The three sample services the demo runs. */
public enum SampleKind {
    USERS, ORDERS, CATALOG;

    /** The service id used in configs and node names: {@code users}, {@code orders}, {@code catalog}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    SampleApi newApi() {
        return switch (this) {
            case USERS -> new UsersApi();
            case ORDERS -> new OrdersApi();
            case CATALOG -> new CatalogApi();
        };
    }
}
