package io.turnpike.auth;

import io.turnpike.core.Consumer;
import io.turnpike.config.ConsumerSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The consumers of one config, indexed by credential: the SHA-256 digest of their API keys, the
 * issuer and subject of their tokens, their Basic user names, OAuth2 client ids and client
 * certificates (subject or fingerprint). Finding the
 * caller of a credential is one hash lookup, however many consumers there are. The key the client
 * sent is hashed and the digests compared in constant time; the plain keys are never kept.
 */
public final class Consumers {
    private record Entry(byte[] digest, Consumer consumer) {}

    /** A Basic user: its consumer and bcrypt hash. */
    public record BasicUser(Consumer consumer, String passwordHash) {}

    // Keyed by the digest's bytes: no hex text to make and hash per request.
    private final Map<ByteBuffer, Entry> byKeyDigest = new HashMap<>();
    private final Map<String, Consumer> byJwtSubject = new HashMap<>();
    private final Map<String, BasicUser> byBasicUser = new HashMap<>();
    private final Map<String, Consumer> byOAuthClient = new HashMap<>();
    private final Map<String, Consumer> byCertSubject = new HashMap<>();
    private final Map<String, Consumer> byCertSha256 = new HashMap<>();

    public Consumers(List<ConsumerSpec> specs) {
        for (ConsumerSpec s : specs) {
            Consumer c = new Consumer(s.id(), s.groups(), s.plan());
            for (String hex : s.apiKeyDigests()) {
                byte[] digest = HexFormat.of().parseHex(hex);
                byKeyDigest.put(ByteBuffer.wrap(digest), new Entry(digest, c));
            }
            for (String issAndSub : s.jwtSubjects()) {
                byJwtSubject.put(issAndSub, c);
            }
            s.basicUsers().forEach((user, hash) -> byBasicUser.put(user, new BasicUser(c, hash)));
            for (String client : s.oauthClients()) byOAuthClient.put(client, c);
            for (String subject : s.mtlsSubjects()) byCertSubject.put(subject, c);
            for (String sha : s.mtlsSha256()) byCertSha256.put(sha, c);
        }
    }

    /** The consumer holding this API key, or null. */
    public Consumer byApiKey(String key) {
        byte[] digest = sha256(key);
        Entry e = byKeyDigest.get(ByteBuffer.wrap(digest));
        // The map found a candidate by its digest; the final word is a constant-time comparison.
        return e != null && MessageDigest.isEqual(e.digest(), digest) ? e.consumer() : null;
    }

    /** The consumer a verified token names (issuer and subject), or null. */
    public Consumer byJwt(String issuer, String subject) {
        return byJwtSubject.get(issuer + "\n" + subject);
    }

    /** The Basic user of this name, or null. */
    public BasicUser byBasicUser(String user) {
        return byBasicUser.get(user);
    }

    /** The consumer an introspection answer's {@code client_id} names, or null. */
    public Consumer byOAuthClient(String clientId) {
        return clientId == null ? null : byOAuthClient.get(clientId);
    }

    /** The consumer a verified client certificate names, by fingerprint first, then by subject; or null. */
    public Consumer byCertificate(io.turnpike.core.ClientCertificate cert) {
        Consumer c = byCertSha256.get(cert.sha256());
        return c != null ? c : byCertSubject.get(cert.subject());
    }

    /** How many consumers hold an API key (for tests and the log). */
    public int apiKeyCount() {
        return byKeyDigest.size();
    }

    // One digest per thread (event loops, bcrypt pool): getInstance on every request costs a provider lookup.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    static byte[] sha256(String key) {
        MessageDigest md = SHA256.get();
        md.reset();
        return md.digest(key.getBytes(StandardCharsets.UTF_8));
    }
}
