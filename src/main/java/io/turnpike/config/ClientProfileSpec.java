package io.turnpike.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One client profile ({@code clients: { mobile: { when: {...} } }}): a name and the conditions a
 * request must meet to be served as that kind of client. Every condition given must hold; a
 * profile without conditions matches every request (written last, it is the default).
 *
 * @param headers   header name (lower-case) to exact value
 * @param userAgent a regex found anywhere in {@code User-Agent}; null = no condition
 * @param group     a group the authenticated consumer belongs to; null = no condition
 * @param claims    claim name to exact value of the verified token
 */
public record ClientProfileSpec(String name, Map<String, String> headers, Pattern userAgent, String group,
                                Map<String, String> claims) {
    /** The profile a request gets when no other matches, unless a profile by that name says otherwise. */
    public static final String DEFAULT = "default";

    public ClientProfileSpec {
        headers = Map.copyOf(headers);
        claims = Map.copyOf(claims);
    }

    /** True when it has no condition at all: it matches everything. */
    public boolean matchesAll() {
        return headers.isEmpty() && userAgent == null && group == null && claims.isEmpty();
    }
}
