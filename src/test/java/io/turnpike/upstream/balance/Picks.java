package io.turnpike.upstream.balance;

import io.turnpike.upstream.PickRequest;
import java.util.Map;

/** A request as a balancer sees it, built by hand. */
record Picks(long tried, boolean highPriority, Map<String, String> headers, Map<String, String> cookies, String clientIp)
        implements PickRequest {
    static final Picks NORMAL = new Picks(0, false, Map.of(), Map.of(), "127.0.0.1");
    static final Picks HIGH = new Picks(0, true, Map.of(), Map.of(), "127.0.0.1");

    static Picks header(String name, String value) {
        return new Picks(0, false, Map.of(name, value), Map.of(), "127.0.0.1");
    }

    static Picks tried(long mask) {
        return new Picks(mask, false, Map.of(), Map.of(), "127.0.0.1");
    }

    @Override public String header(String name) { return headers.get(name); }
    @Override public String cookie(String name) { return cookies.get(name); }
}
