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
    private final String[] keys;
    private final Object[] values;
    private final int mask;
    private final boolean ignoreCase;

    LiteralTable(Map<String, V> entries, boolean ignoreCase) {
        this.ignoreCase = ignoreCase;
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
        this.keys = new String[capacity];
        this.values = new Object[capacity];
        this.mask = capacity - 1;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String key = ignoreCase ? e.getKey().toLowerCase(Locale.ROOT) : e.getKey();
            int i = hash(key, 0, key.length()) & mask;
            while (keys[i] != null) {
                if (keys[i].equals(key)) throw new IllegalArgumentException("duplicate key: " + key);
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = e.getValue();
        }
    }

    /** The value stored under {@code s[from, to)}, or null. */
    @SuppressWarnings("unchecked")
    V get(String s, int from, int to) {
        int len = to - from;
        int i = hash(s, from, to) & mask;
        for (;;) {
            String k = keys[i];
            if (k == null) return null;
            if (k.length() == len && k.regionMatches(ignoreCase, 0, s, from, len)) return (V) values[i];
            i = (i + 1) & mask;
        }
    }

    private int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (ignoreCase && c >= 'A' && c <= 'Z') c += 'a' - 'A';
            h = 31 * h + c;
        }
        // keys like svc1..svc9999 differ only at the end; spread them over the whole table
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
