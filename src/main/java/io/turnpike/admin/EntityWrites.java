package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.cluster.Fleet;
import io.turnpike.cluster.SharedStore;
import io.turnpike.cluster.StoreDown;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.ConfigSources.Section;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * GET, PUT and DELETE of one route, service, consumer or plan, with strong ETags and
 * {@code If-Match}. On one node the tag is a hash of the entry's content (nothing to keep); in a
 * fleet it is the entity's version in the shared store, and the store compares and writes in one
 * step, so of two racing writes with the same {@code If-Match} exactly one lands.
 */
final class EntityWrites {
    private final ConfigSources sources;
    private final Fleet fleet; // null: one node

    EntityWrites(ConfigSources sources, Fleet fleet) {
        this.sources = sources;
        this.fleet = fleet;
    }

    AdminReply get(Section section, String id) {
        JsonNode entry = sources.entry(section, id);
        if (entry == null) return AdminApi.missing(section, id);
        return AdminReply.ok(Redaction.redact(entry)).withHeader("ETag", tag(section, id, entry));
    }

    AdminReply put(Section section, String id, String sourceName, String body, String ifMatch) {
        if (fleet == null) {
            AdminReply stale = stale(section, id, ifMatch);
            if (stale != null) return stale;
            ConfigSources.Change c = sources.put(section, id, sourceName, body);
            return tagged(AdminApi.change(c, section, id), section, id);
        }
        fleet.catchUpNow(); // validate against the newest shared state, not this node's last poll
        ConfigSources.Change c = sources.check(section, id, sourceName, body);
        if (c.status() != ConfigSources.Status.OK) return AdminApi.change(c, section, id);
        return shared(section, id, c.entry().toString(), ifMatch, AdminReply.ok(Redaction.redact(c.entry())));
    }

    AdminReply delete(Section section, String id, String ifMatch) {
        if (fleet == null) {
            AdminReply stale = stale(section, id, ifMatch);
            if (stale != null) return stale;
            return AdminApi.change(sources.delete(section, id), section, id);
        }
        fleet.catchUpNow();
        ConfigSources.Change c = sources.checkDelete(section, id);
        if (c.status() != ConfigSources.Status.OK) return AdminApi.change(c, section, id);
        return shared(section, id, null, ifMatch, AdminReply.noContent());
    }

    /** Writes through the store; the answer carries the entity's new version. */
    private AdminReply shared(Section section, String id, String body, String ifMatch, AdminReply done) {
        Long expected = null;
        if (ifMatch != null) {
            List<String> tags = tags(ifMatch);
            long mine = fleet.version(section.key(), id);
            if (tags.contains("*")) {
                // "any current version" (RFC 9110): none when the entry does not exist (or was deleted)
                if (sources.entry(section, id) == null) return preconditionFailed(section, id, ifMatch, "\"" + mine + "\"");
                expected = mine; // the version this node has, compared in the store
            } else {
                for (String t : tags) {
                    if (t.matches("\"[0-9]{1,18}\"")) {
                        long v = Long.parseLong(t.substring(1, t.length() - 1));
                        if (expected == null || v == mine) expected = v;
                    }
                }
                if (expected == null) return preconditionFailed(section, id, ifMatch, "\"" + mine + "\"");
            }
        }
        SharedStore.Written w;
        try {
            w = fleet.write(section.key(), id, body, expected);
        } catch (StoreDown e) {
            return storeDown(fleet, e);
        }
        if (!w.landed()) return preconditionFailed(section, id, ifMatch, "\"" + w.version() + "\"");
        return done.withHeader("ETag", "\"" + w.version() + "\"");
    }

    static AdminReply storeDown(Fleet fleet, StoreDown e) {
        return AdminReply.problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "store-down", "Shared store down",
                e.getMessage() + "; nothing was changed; this node keeps serving version " + fleet.appliedVersion()
                        + " (retry when the store is back)").withHeader("Retry-After", "1");
    }

    /** One node: a stale {@code If-Match} (or one for an entry that is gone) refuses the change. */
    private AdminReply stale(Section section, String id, String ifMatch) {
        if (ifMatch == null) return null;
        JsonNode entry = sources.entry(section, id);
        String current = entry == null ? null : tag(section, id, entry);
        List<String> tags = tags(ifMatch);
        if (current != null && (tags.contains("*") || tags.contains(current))) return null;
        return preconditionFailed(section, id, ifMatch, current);
    }

    private AdminReply tagged(AdminReply reply, Section section, String id) {
        if (reply.status().code() >= 300) return reply;
        JsonNode entry = sources.entry(section, id);
        return entry == null ? reply : reply.withHeader("ETag", tag(section, id, entry));
    }

    private String tag(Section section, String id, JsonNode entry) {
        return fleet != null ? "\"" + fleet.version(section.key(), id) + "\"" : contentTag(entry);
    }

    private static AdminReply preconditionFailed(Section section, String id, String ifMatch, String current) {
        AdminReply r = AdminReply.problem(HttpResponseStatus.PRECONDITION_FAILED, "precondition-failed",
                "Precondition failed", "If-Match " + ifMatch + " is not the current version of " + AdminApi.noun(section)
                        + " \"" + id + "\" (" + (current == null ? "it does not exist" : "now " + current)
                        + "): read it again, then retry with its ETag");
        return current == null ? r : r.withHeader("ETag", current);
    }

    /** A strong tag of the entry's content: the same entry gives the same tag on any node. */
    static String contentTag(JsonNode entry) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(entry.toString().getBytes(StandardCharsets.UTF_8));
            return "\"h" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The entity-tags of an {@code If-Match} header; weak ones never match (RFC 9110 compares strongly). */
    static List<String> tags(String header) {
        List<String> out = new ArrayList<>();
        for (String t : header.split(",")) {
            t = t.strip();
            if (!t.isEmpty() && !t.startsWith("W/")) out.add(t);
        }
        return out;
    }
}
