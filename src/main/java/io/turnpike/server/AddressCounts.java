package io.turnpike.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per client address, for {@code server.limits.maxConnectionsPerIp}. An address
 * leaves the map when its last connection closes, so the map holds only addresses connected now.
 */
final class AddressCounts {
    private final ConcurrentHashMap<InetAddress, Integer> counts = new ConcurrentHashMap<>();

    /** Counts one more connection from {@code address} unless it already holds {@code max}. */
    boolean tryAcquire(InetAddress address, int max) {
        if (counts.merge(address, 1, Integer::sum) <= max) return true;
        release(address);
        return false;
    }

    void release(InetAddress address) {
        counts.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /** Connections {@code address} holds now. */
    int count(InetAddress address) {
        Integer n = counts.get(address);
        return n == null ? 0 : n;
    }

    int addresses() {
        return counts.size();
    }
}
