package io.turnpike.compose;

import io.netty.util.AsciiString;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;

/**
 * The chain step that recognises the client profile, after authentication (a profile may depend on
 * the consumer's groups or the token's claims). The upstream gets it as {@code X-Client-Profile};
 * whatever the client sent under that name is replaced, so a client cannot pick another profile's
 * treatment at the upstream by saying so.
 */
public final class ProfilePolicy implements Policy {
    public static final AsciiString X_CLIENT_PROFILE = AsciiString.cached("x-client-profile");
    private final ClientProfiles profiles;

    public ProfilePolicy(ClientProfiles profiles) {
        this.profiles = profiles;
    }

    @Override
    public Verdict check(PolicyCall call) {
        String profile = profiles.detect(call);
        call.profile(profile);
        call.headers().set(X_CLIENT_PROFILE, profile);
        return Verdict.PASS;
    }
}
