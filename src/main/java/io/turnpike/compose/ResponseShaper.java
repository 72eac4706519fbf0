package io.turnpike.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.PolicyCall;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A compiled response transform for one profile of one route: header changes, and (when any body
 * operation is configured) the JSON reshaping of a body the proxy holds, bounded, for it.
 */
public final class ResponseShaper {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HeaderOps headers;
    private final JsonShape body;
    private final long maxBodyBytes;

    ResponseShaper(TransformSpec.Response spec) {
        this.headers = new HeaderOps(spec.headers());
        this.body = spec.changesBody() ? new JsonShape(spec) : null;
        this.maxBodyBytes = spec.maxBodyBytes();
    }

    /** True when the body is reshaped (the proxy must hold it); false: headers only, the body streams. */
    public boolean changesBody() {
        return body != null;
    }

    /** The most body bytes held for reshaping (before and after decompression). */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Whether a response gets its body reshaped: a 2xx answer with a JSON body. Errors pass as the
     * service wrote them (their shape is the service's error contract, not the resource's).
     */
    public boolean appliesTo(int status, HttpHeaders h) {
        if (body == null || status < 200 || status > 299) return false;
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && isJson(type);
    }

    static boolean isJson(String contentType) {
        int semi = contentType.indexOf(';');
        String t = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(java.util.Locale.ROOT);
        return t.equals("application/json") || t.endsWith("+json");
    }

    /** The header changes, applied to what the client gets. */
    public void applyHeaders(HttpHeaders h, PolicyCall call) {
        headers.apply(h, call);
    }

    /** Reshapes an already parsed body (an aggregation's answer). */
    public JsonNode applyBody(JsonNode root, PolicyCall call) {
        return body == null ? root : body.apply(root, call);
    }

    /** Why a held body could not be reshaped; the proxy answers 502 with the message. */
    public static final class Unusable extends Exception {
        public Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reshapes a complete body. Does not release {@code in}.
     *
     * @param encoding the upstream's Content-Encoding, or null
     */
    public byte[] reshape(ByteBuf in, String encoding, PolicyCall call) throws Unusable {
        JsonNode root = parse(in, encoding, maxBodyBytes);
        JsonNode out = body.apply(root, call);
        try {
            return JSON.writeValueAsBytes(out);
        } catch (IOException e) {
            throw new Unusable("the reshaped body could not be written: " + e.getMessage());
        }
    }

    /** Parses a JSON body, gunzipping it first when needed, within {@code max} decoded bytes. */
    static JsonNode parse(ByteBuf in, String encoding, long max) throws Unusable {
        try (InputStream raw = new ByteBufInputStream(in.duplicate())) {
            InputStream s = raw;
            if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
                if (!encoding.equalsIgnoreCase("gzip") && !encoding.equalsIgnoreCase("x-gzip")) {
                    throw new Unusable("the service answered with Content-Encoding " + encoding
                            + ", which the gateway cannot decode (it asks for gzip or identity)");
                }
                s = new Bounded(new GZIPInputStream(raw), max);
            }
            JsonNode n = JSON.readTree(s);
            if (n == null || n.isMissingNode()) throw new Unusable("the service answered an empty body, not JSON");
            return n;
        } catch (Bounded.TooLarge e) {
            throw new Unusable("the decompressed body exceeds the transform limit of " + max + " bytes");
        } catch (Unusable e) {
            throw e;
        } catch (IOException e) {
            throw new Unusable("the service's body is not valid JSON" + (encoding == null ? "" : " (" + encoding + ")"));
        }
    }

    /** Caps what a decompressing stream may yield (a small gzip can expand enormously). */
    static final class Bounded extends java.io.FilterInputStream {
        static final class TooLarge extends IOException {
            TooLarge() {
                super("too large", null);
            }
        }

        private long left;

        Bounded(InputStream in, long max) {
            super(in);
            this.left = max;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0 && --left < 0) throw new TooLarge();
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && (left -= n) < 0) throw new TooLarge();
            return n;
        }
    }
}
