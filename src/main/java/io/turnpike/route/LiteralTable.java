package io.turnpike.route;

import java.util.Locale;
import java.util.Map;

/**
 * An immutable string-keyed table that is looked up by a range of a larger string, so the router
 * can find a path segment or a host suffix without cutting a substring per request.
 *
 * <p>Open addressing with linear probing, at most half full. With {@code ignoreCase} the keys are
 * stored lower-case and ASCII letters are folded while hashing (host names).
 */
final class LiteralTable<V> {
    // key at 2i, value at 2i+1: a hit reads one cache line for both, which counts with 10,000 routes
    private final Object[] slots;
    private final int mask;
    private final boolean ignoreCase;

    LiteralTable(Map<String, V> entries, boolean ignoreCase) {
        this.ignoreCase = ignoreCase;
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
        this.slots = new Object[capacity * 2];
        this.mask = capacity - 1;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String key = ignoreCase ? e.getKey().toLowerCase(Locale.ROOT) : e.getKey();
            int i = hash(key, 0, key.length()) & mask;
            while (slots[2 * i] != null) {
                if (slots[2 * i].equals(key)) throw new IllegalArgumentException("duplicate key: " + key);
                i = (i + 1) & mask;
            }
            slots[2 * i] = key;
            slots[2 * i + 1] = e.getValue();
        }
    }

    /** The value stored under {@code s[from, to)}, or null. */
    @SuppressWarnings("unchecked")
    V get(String s, int from, int to) {
        int len = to - from;
        int i = hash(s, from, to) & mask;
        for (;;) {
            String k = (String) slots[2 * i];
            if (k == null) return null;
            if (k.length() == len && matches(k, s, from)) return (V) slots[2 * i + 1];
            i = (i + 1) & mask;
        }
    }

    /** A plain loop: segments are short, and String.regionMatches costs more to set up than to run here. */
    private boolean matches(String key, String s, int from) {
        for (int j = 0, n = key.length(); j < n; j++) {
            char c = s.charAt(from + j);
            if (ignoreCase && c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (key.charAt(j) != c) return false;
        }
        return true;
    }

    private int hash(String s, int from, int to) {
        int h = 0;
        if (ignoreCase) {
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                h = 31 * h + (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            }
        } else {
            for (int i = from; i < to; i++) h = 31 * h + s.charAt(i);
        }
        // keys like svc1..svc9999 differ only at the end; spread them over the whole table
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
