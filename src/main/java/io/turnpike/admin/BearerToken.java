package io.turnpike.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <token>} against the configured token. Both sides are
 * hashed first and the digests compared with {@link MessageDigest#isEqual}, which takes the same
 * time wherever they differ; hashing also hides the token's length from the timing.
 */
final class BearerToken {
    private static final String SCHEME = "Bearer ";

    private final byte[] expected; // null: no token configured, /admin/* is open (loopback only)

    BearerToken(String token) {
        this.expected = token == null ? null : sha256(token);
    }

    boolean open() {
        return expected == null;
    }

    /** @param authorization the header's value, or null */
    boolean admits(String authorization) {
        if (expected == null) return true;
        String presented = "";
        if (authorization != null && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            presented = authorization.substring(SCHEME.length()).strip();
        }
        // Compare even a missing token, so a request without one takes as long as a wrong one.
        return MessageDigest.isEqual(expected, sha256(presented)) && !presented.isEmpty();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
