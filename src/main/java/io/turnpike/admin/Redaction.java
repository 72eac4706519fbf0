package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Hides secrets in config documents before they leave the process, by what a value is:
 * <ul>
 * <li>a credential field, at any depth ({@code admin.token}, a consumer's {@code apiKey}, an HMAC
 *     {@code secret}, ...). Digests ({@code apiKeyHash}) and bcrypt hashes too: a digest of a weak
 *     key can be guessed;
 * <li>the password in any URL ({@code cluster.redis}, {@code storage.ledger}, ...), the rest kept;
 * <li>an alert webhook's headers, and its URL's path (Slack's and Teams' URLs are credentials);
 * <li>transform header and query values marked {@code secret: true}, and header values of
 *     {@code Authorization}, {@code Proxy-Authorization}, {@code Cookie} and {@code X-Api-Key}.
 * </ul>
 */
final class Redaction {
    static final String REDACTED = "***redacted***";
    private static final Set<String> SECRET_KEYS =
            Set.of("token", "apikey", "apikeyhash", "password", "passwordhash", "secret", "clientsecret",
                    // private and symmetric JWK members, should a key set in auth.jwt carry them
                    "k", "d", "p", "q", "dp", "dq", "qi");
    /** Header values that are credentials whatever the config says about them. */
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie",
            "x-api-key");

    private Redaction() {}

    /** A redacted copy; {@code doc} is left as it was. */
    static JsonNode redact(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        walk(copy, "", "");
        return copy;
    }

    /** @param key the key {@code node} is under (a list's items: the list's); @param parent the key above */
    private static void walk(JsonNode node, String key, String parent) {
        if (node instanceof ObjectNode o) {
            if (o.has("webhook")) webhookChannel(o);
            // routes[].transform.<profile>.request|response.headers and request.query
            if (key.equals("headers") && (parent.equals("request") || parent.equals("response"))) {
                values(o.get("add"), CREDENTIAL_HEADERS);
                values(o.get("set"), CREDENTIAL_HEADERS);
            } else if (key.equals("query") && parent.equals("request")) {
                values(o.get("set"), Set.of());
            }
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode v = f.getValue();
                if (credential(f.getKey(), v)) {
                    f.setValue(o.textNode(REDACTED));
                } else if (v.isTextual()) {
                    f.setValue(o.textNode(UrlPasswords.mask(v.textValue())));
                } else {
                    walk(v, f.getKey(), key);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) a.set(i, a.textNode(UrlPasswords.mask(a.get(i).textValue())));
                else walk(a.get(i), key, parent);
            }
        }
    }

    private static boolean credential(String key, JsonNode value) {
        String k = key.toLowerCase(Locale.ROOT);
        if (!SECRET_KEYS.contains(k) || value.isNull() || value.isBoolean()) return false;
        // the secret: true|false flag of a transform value is not itself a secret
        return !(k.equals("secret") && (value.asText().equals("true") || value.asText().equals("false")));
    }

    /** An alert channel: every header value (typically an Authorization), and the URL past its host. */
    private static void webhookChannel(ObjectNode channel) {
        JsonNode url = channel.get("webhook");
        if (url.isTextual()) channel.put("webhook", hostOnly(UrlPasswords.mask(url.textValue())));
        if (channel.get("headers") instanceof ObjectNode headers) {
            headers.fieldNames().forEachRemaining(name -> headers.put(name, REDACTED));
        }
    }

    private static String hostOnly(String url) {
        int authority = url.indexOf("://");
        if (authority < 0) return REDACTED;
        int path = authority + 3;
        while (path < url.length() && "/?#".indexOf(url.charAt(path)) < 0) path++;
        return path >= url.length() - 1 ? url : url.substring(0, path) + "/" + REDACTED;
    }

    /**
     * Header or query changes, {@code name: value} or {@code name: {value: ..., secret: true}}: the
     * value is hidden when marked secret or when the name is one of {@code credentialNames}.
     */
    private static void values(JsonNode changes, Set<String> credentialNames) {
        if (!(changes instanceof ObjectNode o)) return;
        o.fieldNames().forEachRemaining(name -> {
            JsonNode v = o.get(name);
            boolean byName = credentialNames.contains(name.toLowerCase(Locale.ROOT));
            if (v instanceof ObjectNode marked) {
                if (byName || marked.path("secret").asText().strip().equals("true")) marked.put("value", REDACTED);
            } else if (byName && !v.isNull()) {
                o.put(name, REDACTED);
            }
        });
    }
}
