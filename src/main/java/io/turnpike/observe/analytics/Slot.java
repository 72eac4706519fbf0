package io.turnpike.observe.analytics;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** One time slot of a {@link Ring}: all traffic, and the traffic of each key of each dimension. */
final class Slot {
    long start = Long.MIN_VALUE;
    Cell total = new Cell();
    final EnumMap<Dimension, Map<String, Cell>> byKey = new EnumMap<>(Dimension.class);

    Slot() {
        for (Dimension d : Dimension.values()) byKey.put(d, new HashMap<>());
    }

    void reset(long newStart) {
        start = newStart;
        total = new Cell();
        byKey.values().forEach(Map::clear);
    }

    long footprint() {
        long bytes = total.footprint();
        for (Map<String, Cell> m : byKey.values()) {
            for (Cell c : m.values()) bytes += c.footprint() + 48; // + the map entry
        }
        return bytes;
    }
}
