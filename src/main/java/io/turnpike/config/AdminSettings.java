package io.turnpike.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The admin listener ({@code admin:}): the admin API, {@code /health}, {@code /ready} and
 * {@code /metrics}, on a port of its own.
 *
 * @param enabled false for {@code listen: off}
 * @param host    address to bind, e.g. {@code 127.0.0.1}
 * @param port    port to bind; 0 picks a free one
 * @param token   the bearer token {@code /admin/*} needs; null = none (allowed on loopback only).
 *                A secret: {@link #toString} never shows it.
 */
public record AdminSettings(boolean enabled, String host, int port, String token) {
    public static final AdminSettings DEFAULT = new AdminSettings(true, "127.0.0.1", 9080, null);
    /** No admin listener: what configs built in code (tests, embedding) get unless they say otherwise. */
    public static final AdminSettings OFF = new AdminSettings(false, "127.0.0.1", 9080, null);

    public boolean hasToken() {
        return token != null;
    }

    /**
     * Whether only this machine can reach the listener. Only {@code localhost} and loopback
     * literals count; other names are not resolved here, so they count as reachable from outside.
     */
    public boolean loopback() {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) return true;
        boolean ipv4 = h.chars().allMatch(c -> Character.isDigit(c) || c == '.');
        boolean ipv6 = h.indexOf(':') >= 0 && h.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
        if (!ipv4 && !ipv6) return false;
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "AdminSettings[" + (enabled ? "listen=" + host + ":" + port : "off")
                + ", token=" + (token == null ? "none" : "***redacted***") + "]";
    }
}
