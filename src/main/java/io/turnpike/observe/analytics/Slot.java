package io.turnpike.observe.analytics;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** One time slot of a {@link Ring}: all traffic, and the traffic of each key of each dimension. */
final class Slot {
    static final int MAP_ENTRY = 48; // a HashMap node and its share of the table

    long start = Long.MIN_VALUE;
    /** All traffic; null until the slot has any. */
    Cell total;
    final EnumMap<Dimension, Map<String, Cell>> byKey = new EnumMap<>(Dimension.class);
    /** Estimated heap bytes of this slot's cells. */
    long bytes;
    /** Its per-key cells were dropped to stay within the memory budget (the total stays). */
    boolean trimmed;

    Slot() {
        for (Dimension d : Dimension.values()) byKey.put(d, new HashMap<>());
    }

    void reset(long newStart) {
        start = newStart;
        total = null;
        byKey.values().forEach(Map::clear);
        bytes = 0;
        trimmed = false;
    }

    boolean hasKeys() {
        for (Map<String, Cell> m : byKey.values()) if (!m.isEmpty()) return true;
        return false;
    }

    /** Drops the per-key cells, keeping the total; returns the bytes freed. */
    long trim() {
        long before = bytes;
        byKey.values().forEach(Map::clear);
        bytes = total == null ? 0 : total.footprint();
        trimmed = true;
        return before - bytes;
    }

    /** All traffic's cell, created when missing. */
    Cell total() {
        if (total == null) {
            total = new Cell();
            bytes += total.footprint();
        }
        return total;
    }

    /** The key's cell, created when missing. */
    Cell cell(Dimension d, String key) {
        Map<String, Cell> m = byKey.get(d);
        Cell c = m.get(key);
        if (c == null) {
            c = new Cell();
            m.put(key, c);
            bytes += c.footprint() + MAP_ENTRY;
        }
        return c;
    }

    /** Sets a cell (all traffic's when {@code d} is null), e.g. one read back from the store. */
    void put(Dimension d, String key, Cell c) {
        if (d == null) {
            bytes += c.footprint() - (total == null ? 0 : total.footprint());
            total = c;
            return;
        }
        Cell old = byKey.get(d).put(key, c);
        bytes += c.footprint() + MAP_ENTRY - (old == null ? 0 : old.footprint() + MAP_ENTRY);
    }

    /** Freezes every cell: the slot is closed. */
    void freeze() {
        long b = 0;
        if (total != null) {
            total.freeze();
            b = total.footprint();
        }
        for (Map<String, Cell> m : byKey.values()) {
            for (Cell c : m.values()) {
                c.freeze();
                b += c.footprint() + MAP_ENTRY;
            }
        }
        bytes = b;
    }
}
