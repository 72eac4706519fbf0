package io.turnpike.observe.analytics;

import java.util.HashMap;
import java.util.Map;

/**
 * The keys one dimension tracks, at most {@code cap} of them: a new key past the cap is counted
 * under {@link Analytics#OTHER}, so a flood of distinct consumers or paths cannot grow memory.
 * Keys not seen for a day (longer than any slot keeps them) are forgotten, which frees their place.
 */
final class KeyTable {
    private final int cap;
    private final Map<String, long[]> lastSeen = new HashMap<>();

    KeyTable(int cap) {
        this.cap = cap;
    }

    /** The key to count {@code key} under: itself, or {@link Analytics#OTHER} once the table is full. */
    String admit(String key, long nowMillis) {
        long[] seen = lastSeen.get(key);
        if (seen == null) {
            if (lastSeen.size() >= cap) return Analytics.OTHER;
            seen = new long[1];
            lastSeen.put(key, seen);
        }
        seen[0] = nowMillis;
        return key;
    }

    void forgetOlderThan(long millis) {
        lastSeen.values().removeIf(seen -> seen[0] < millis);
    }

    int size() {
        return lastSeen.size();
    }
}
