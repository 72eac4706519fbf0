package io.turnpike.config;

import java.util.List;
import java.util.Map;

/** Binds {@code admin:} into {@link AdminSettings}, refusing a listener others can reach without a token. */
final class AdminSection {
    static final String LISTEN_EXPECTED = "host:port like 127.0.0.1:9080, or off";

    private AdminSection() {}

    static AdminSettings bind(ConfigNode admin, ServerSettings server) {
        AdminSettings d = AdminSettings.DEFAULT;
        admin.checkKeys(List.of("listen", "token"), Map.of());
        ConfigNode listen = admin.get("listen");
        String text = listen.text(LISTEN_EXPECTED);
        boolean enabled = true;
        String host = d.host();
        int port = d.port();
        if (text != null && text.strip().equals("off")) {
            enabled = false;
        } else if (text != null) {
            HostPort hp = parseListen(text.strip());
            if (hp == null) {
                listen.expected(LISTEN_EXPECTED);
            } else {
                host = hp.host();
                port = hp.port();
            }
        }
        String token = admin.get("token").secret("a token, like ${TURNPIKE_ADMIN_TOKEN}");
        if (token != null && token.isEmpty()) token = null; // ${TOKEN:-} with TOKEN unset: no token
        AdminSettings settings = new AdminSettings(enabled, host, port, token);
        if (!enabled) return settings;
        ConfigNode at = listen.isPresent() ? listen : admin;
        if (!settings.loopback() && token == null) {
            at.problem(ConfigNode.quote(host + ":" + port) + " is reachable from other machines and admin.token "
                    + "is not set (expected: a token, like token: ${TURNPIKE_ADMIN_TOKEN}, or a loopback "
                    + "listen like 127.0.0.1:9080)");
        }
        if (port != 0 && port == server.port()) {
            at.problem("port " + port + " is also server.listen's port (expected: a port of its own; "
                    + "the admin API never shares the traffic port)");
        }
        return settings;
    }

    /** A bare port ({@code 9080}, {@code :9080}) means loopback here: the admin API is private by default. */
    private static HostPort parseListen(String text) {
        String portOnly = text.startsWith(":") ? text.substring(1) : text;
        if (!portOnly.isEmpty() && portOnly.length() <= 5 && portOnly.chars().allMatch(Character::isDigit)) {
            return HostPort.parse(AdminSettings.DEFAULT.host() + ":" + portOnly, -1, 0);
        }
        return HostPort.parse(text, -1, 0);
    }
}
