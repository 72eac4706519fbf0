package io.turnpike.config;

import com.google.re2j.Pattern;
import java.util.Map;

/**
 * One client profile ({@code clients: { mobile: { when: {...} } }}): a name and the conditions a
 * request must meet to be served as that kind of client. Every condition given must hold; a
 * profile without conditions matches every request (written last, it is the default).
 *
 * @param headers   header name (lower-case) to exact value
 * @param userAgent an RE2 regex found in the first {@value #USER_AGENT_PREFIX} characters of
 *                  {@code User-Agent}; null = no condition
 * @param group     a group the authenticated consumer belongs to; null = no condition
 * @param claims    claim name to exact value of the verified token
 */
public record ClientProfileSpec(String name, Map<String, String> headers, Pattern userAgent, String group,
                                Map<String, String> claims) {
    /** The profile a request gets when no other matches, unless a profile by that name says otherwise. */
    public static final String DEFAULT = "default";

    /**
     * How much of {@code User-Agent} a profile looks at: real ones are a few hundred characters,
     * and the header may be as long as the header block, so matching the whole of it would let
     * one request buy time on an event loop.
     */
    public static final int USER_AGENT_PREFIX = 512;

    public ClientProfileSpec {
        headers = Map.copyOf(headers);
        claims = Map.copyOf(claims);
    }

    /** True when it has no condition at all: it matches everything. */
    public boolean matchesAll() {
        return headers.isEmpty() && userAgent == null && group == null && claims.isEmpty();
    }
}
