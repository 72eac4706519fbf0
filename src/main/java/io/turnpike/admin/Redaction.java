package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Hides secrets in config documents before they leave the process: the value of every key named
 * like a credential, at any depth ({@code admin.token}, a consumer's {@code apiKey}, ...). Digests
 * ({@code apiKeyHash}) and bcrypt hashes are hidden too: a digest of a weak key can be guessed.
 */
final class Redaction {
    static final String REDACTED = "***redacted***";
    private static final Set<String> SECRET_KEYS =
            Set.of("token", "apikey", "apikeyhash", "password", "passwordhash", "secret", "clientsecret", "ledger",
                    // storage.ledger may carry a database password in its URL; private and symmetric
                    // JWK members, should a key set in auth.jwt carry them
                    "k", "d", "p", "q", "dp", "dq", "qi");

    private Redaction() {}

    /** A redacted copy; {@code doc} is left as it was. */
    static JsonNode redact(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        walk(copy);
        return copy;
    }

    private static void walk(JsonNode node) {
        if (node instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (SECRET_KEYS.contains(f.getKey().toLowerCase(java.util.Locale.ROOT)) && !f.getValue().isNull()) {
                    f.setValue(o.textNode(REDACTED));
                } else {
                    walk(f.getValue());
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(Redaction::walk);
        }
    }
}
