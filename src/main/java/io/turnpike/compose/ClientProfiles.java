package io.turnpike.compose;

import com.google.re2j.Pattern;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.turnpike.config.ClientProfileSpec;
import io.turnpike.proxy.PolicyCall;
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

    private record Profile(String name, AsciiString[] headerNames, String[] headerValues, Pattern userAgent,
                           String group, Map<String, String> claims) {
        boolean matches(PolicyCall call) {
            for (int i = 0; i < headerNames.length; i++) {
                String v = call.headers().get(headerNames[i]);
                if (v == null || !v.equals(headerValues[i])) return false;
            }
            if (userAgent != null) {
                String ua = call.headers().get(HttpHeaderNames.USER_AGENT);
                if (ua == null || !userAgent.matcher(userAgentPrefix(ua)).find()) return false;
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

        /** What a User-Agent pattern sees: RE2 bounds the time per character, this the characters. */
        private static CharSequence userAgentPrefix(String ua) {
            int n = ClientProfileSpec.USER_AGENT_PREFIX;
            return ua.length() <= n ? ua : ua.subSequence(0, n);
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
            out[i] = new Profile(s.name(), names, values, s.userAgent(), s.group(), s.claims());
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
