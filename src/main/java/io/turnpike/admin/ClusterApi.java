package io.turnpike.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnpike.cluster.Fleet;
import io.turnpike.cluster.Member;
import io.turnpike.cluster.StoreDown;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /admin/cluster}: every member of the fleet as its heartbeat row says, which of them
 * lag behind the store, and what each refused. With the store down, this node alone, from memory.
 */
final class ClusterApi {
    /** A member not heard from for this long is shown as {@code "up": false}. */
    private static final Duration SILENT = Duration.ofSeconds(5);

    private final Fleet fleet; // null: one node, no fleet

    ClusterApi(Fleet fleet) {
        this.fleet = fleet;
    }

    AdminReply get() {
        ObjectNode body = AdminReply.JSON.createObjectNode();
        if (fleet == null) { // one node: no members to list, and no store
            body.putArray("members");
            body.putObject("store").put("state", "none").put("version", 0);
            return AdminReply.ok(body);
        }
        long latest = fleet.storeVersion();
        ArrayNode members = body.putArray("members");
        List<Member> rows;
        try {
            rows = fleet.members();
        } catch (StoreDown e) {
            rows = null;
        }
        if (rows == null) {
            ObjectNode self = members.addObject();
            self.put("id", fleet.id()).putNull("address").put("configVersion", fleet.appliedVersion()).putNull("lastSeen");
            self.put("self", true).put("lagging", fleet.appliedVersion() < latest);
            problems(self, String.join("\n", fleet.problems().values()));
        } else {
            Instant now = Instant.now();
            for (Member m : rows) {
                ObjectNode o = members.addObject();
                o.put("id", m.id()).put("address", m.address()).put("configVersion", m.configVersion())
                        .put("lastSeen", m.lastSeen().toString());
                o.put("self", m.id().equals(fleet.id()));
                o.put("up", Duration.between(m.lastSeen(), now).compareTo(SILENT) < 0);
                o.put("lagging", m.configVersion() < latest);
                problems(o, m.problems());
            }
        }
        ObjectNode store = body.putObject("store");
        store.put("state", fleet.storeState().name().toLowerCase(java.util.Locale.ROOT));
        store.put("version", latest);
        return AdminReply.ok(body);
    }

    private static void problems(ObjectNode into, String lines) {
        ArrayNode a = into.putArray("problems");
        if (lines == null || lines.isEmpty()) return;
        for (String l : lines.split("\n")) a.add(l);
    }
}
