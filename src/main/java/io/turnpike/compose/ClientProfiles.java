package io.turnpike.compose;

import com.google.re2j.Pattern;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.turnpike.config.ClientProfileSpec;
import io.turnpike.core.PolicyCall;
import java.util.List;
import java.util.Map;

/**
 * The {@code clients:} profiles compiled for matching: the first whose conditions all hold names
 * the request's profile; none matching gives {@code default}. Immutable, shared by every route
 * of a snapshot. A {@code userAgent} condition is an RE2 pattern (linear time) looked for in the
 * first {@link ClientProfileSpec#USER_AGENT_PREFIX} characters of the header.
 */
public final class ClientProfiles {
    private final Profile[] profiles;

    /** A User-Agent and whether a profile's pattern found a match in it. Immutable: shared between loops by a benign race. */
    private record Seen(String userAgent, boolean matched) {}

    private static final int UA_CACHE = 256; // per profile; a power of two

    private record Profile(String name, AsciiString[] headerNames, String[] headerValues, Pattern userAgent,
                           String group, Map<String, String> claims, Seen[] recent) {
        boolean matches(PolicyCall call) {
            for (int i = 0; i < headerNames.length; i++) {
                String v = call.headers().get(headerNames[i]);
                if (v == null || !v.equals(headerValues[i])) return false;
            }
            if (userAgent != null) {
                String ua = call.headers().get(HttpHeaderNames.USER_AGENT);
                if (ua == null || !userAgentMatches(ua)) return false;
            }
            if (group != null && (call.consumer() == null || !call.consumer().groups().contains(group))) return false;
            if (!claims.isEmpty()) {
                Map<String, Object> have = call.claims();
                for (var e : claims.entrySet()) {
                    Object v = have == null ? null : have.get(e.getKey());
                    if (!matchesClaim(v, e.getValue())) return false;
                }
            }
            return true;
        }

        /**
         * RE2 is several times slower than a backtracking engine on ordinary User-Agents, and real
         * traffic repeats a few of them: the last answer per slot of a small direct-mapped table is
         * kept. Slots are written racily, which is safe for immutable entries; a lost write only costs a match.
         */
        private boolean userAgentMatches(String ua) {
            String key = userAgentPrefix(ua);
            int slot = key.hashCode() & (UA_CACHE - 1);
            Seen seen = recent[slot];
            if (seen != null && seen.userAgent.equals(key)) return seen.matched;
            boolean matched = userAgent.matcher(key).find();
            recent[slot] = new Seen(key, matched);
            return matched;
        }

        /** What a User-Agent pattern sees: RE2 bounds the time per character, this the characters. */
        private static String userAgentPrefix(String ua) {
            int n = ClientProfileSpec.USER_AGENT_PREFIX;
            return ua.length() <= n ? ua : ua.substring(0, n);
        }

        private static boolean matchesClaim(Object have, String want) {
            if (have instanceof List<?> list) {
                for (Object o : list) if (want.equals(String.valueOf(o))) return true;
                return false;
            }
            return have != null && want.equals(String.valueOf(have));
        }
    }

    private ClientProfiles(Profile[] profiles) {
        this.profiles = profiles;
    }

    public static ClientProfiles compile(List<ClientProfileSpec> specs) {
        Profile[] out = new Profile[specs.size()];
        for (int i = 0; i < out.length; i++) {
            ClientProfileSpec s = specs.get(i);
            AsciiString[] names = new AsciiString[s.headers().size()];
            String[] values = new String[names.length];
            int j = 0;
            for (var e : s.headers().entrySet()) {
                names[j] = AsciiString.cached(e.getKey());
                values[j++] = e.getValue();
            }
            out[i] = new Profile(s.name(), names, values, s.userAgent(), s.group(), s.claims(),
                    s.userAgent() == null ? null : new Seen[UA_CACHE]);
        }
        return new ClientProfiles(out);
    }

    public boolean isEmpty() {
        return profiles.length == 0;
    }

    /** The first matching profile's name, else {@code default}. */
    public String detect(PolicyCall call) {
        for (Profile p : profiles) {
            if (p.matches(call)) return p.name;
        }
        return ClientProfileSpec.DEFAULT;
    }
}
