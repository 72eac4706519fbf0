package io.turnpike.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Turns an {@link AccessRecord} into one line of JSON, field by field with Jackson's streaming
 * generator (no reflection, no object mapper). Used by the log's writer thread only.
 */
final class AccessLineFormat {
    /** Millisecond precision always, so lines sort as text and every time has the same width. */
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final JsonFactory json = new JsonFactory();
    private final StringWriter out = new StringWriter(512);

    String format(AccessRecord r) {
        out.getBuffer().setLength(0);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(Instant.ofEpochMilli(r.epochMillis())));
            g.writeStringField("requestId", r.requestId());
            g.writeStringField("clientIp", r.clientIp());
            if (r.consumer() == null) g.writeNullField("consumer"); else g.writeStringField("consumer", r.consumer());
            g.writeStringField("route", r.route());
            if (r.profile() != null) g.writeStringField("profile", r.profile());
            g.writeStringField("service", r.service());
            g.writeStringField("node", r.node());
            g.writeStringField("method", r.method());
            g.writeStringField("path", withoutQuery(r.path()));
            g.writeNumberField("status", r.status());
            if (r.grpcStatus() != null) g.writeStringField("grpcStatus", r.grpcStatus());
            g.writeNumberField("bytesIn", r.bytesIn());
            g.writeNumberField("bytesOut", r.bytesOut());
            g.writeNumberField("totalMs", millis(r.totalNanos()));
            if (r.upstreamNanos() < 0) {
                g.writeNullField("upstreamMs");
            } else {
                g.writeNumberField("upstreamMs", millis(r.upstreamNanos()));
            }
            g.writeNumberField("retries", r.retries());
            g.writeStringField("outcome", r.outcome());
            g.writeStringField("rejection", r.rejection() == null ? null : GatewayMetrics.reason(r.rejection()));
            g.writeStringField("traceId", r.traceId());
            g.writeObjectFieldStart("decision"); // what auth decided; breakers and rate limits will add theirs
            if (r.auth() != null) g.writeStringField("auth", r.auth());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Milliseconds with microsecond precision. */
    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    /**
     * The path is normalised and query-free, except for a target that could not be normalised, which
     * is logged raw: its query is cut, since queries are where clients put tokens.
     */
    static String withoutQuery(String path) {
        if (path == null) return null;
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}
