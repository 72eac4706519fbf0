package io.turnpike.cluster;

import java.time.Instant;

/**
 * One gateway of the fleet as its row in {@code turnpike_members} says.
 *
 * @param configVersion the last store version this node applied
 * @param lastSeen      its last heartbeat
 * @param problems      the shared changes this node refused, one line each (empty when none)
 */
public record Member(String id, String address, long configVersion, Instant lastSeen, String problems) {}
