package io.turnpike.compose;

import io.turnpike.config.ClientProfileSpec;
import io.turnpike.config.TransformSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * A route's response transforms compiled once per config, by profile. A profile without its own
 * transform gets the route's {@code default} one (or none).
 */
public final class RouteTransforms {
    private final Map<String, ResponseShaper> byProfile;
    private final ResponseShaper fallback;

    private RouteTransforms(Map<String, ResponseShaper> byProfile) {
        this.byProfile = byProfile;
        this.fallback = byProfile.get(ClientProfileSpec.DEFAULT);
    }

    /** Null when the route has no response transform at all (its responses stream untouched). */
    public static RouteTransforms compile(TransformSpec spec) {
        if (spec == null) return null;
        Map<String, ResponseShaper> m = new HashMap<>();
        spec.byProfile().forEach((profile, t) -> {
            if (t.response() != null) m.put(profile, new ResponseShaper(t.response()));
        });
        return m.isEmpty() ? null : new RouteTransforms(m);
    }

    /** The response transform for a profile (null = the route's default, or none). */
    public ResponseShaper response(String profile) {
        if (profile == null) return fallback;
        ResponseShaper s = byProfile.get(profile);
        return s != null ? s : fallback;
    }
}
