package io.turnpike.observe.analytics;

/**
 * Fixed-size ring of time slots at one resolution (10 s for the last hour, 1 min for the last
 * day). A slot is reused when time comes round to it again, so memory never grows with time.
 */
final class Ring {
    final long slotMillis;
    final int length;
    private final Slot[] slots;
    /** The sum of every slot's {@link Slot#bytes}, kept by {@link #account}. */
    private long bytes;

    Ring(long slotMillis, int length) {
        this.slotMillis = slotMillis;
        this.length = length;
        this.slots = new Slot[length];
        for (int i = 0; i < length; i++) slots[i] = new Slot();
    }

    long startOf(long atMillis) {
        return Math.floorDiv(atMillis, slotMillis) * slotMillis;
    }

    /**
     * The slot that {@code atMillis} falls in, reset if it still held an older period; null when
     * the time is older than what the ring still keeps there (a very late record).
     */
    Slot forWrite(long atMillis) {
        long start = startOf(atMillis);
        Slot s = slots[index(start)];
        if (s.start == start) return s;
        if (s.start > start) return null;
        bytes -= s.bytes;
        s.reset(start);
        return s;
    }

    /** The slot starting at {@code start}, or null when it holds nothing for that period. */
    Slot forRead(long start) {
        Slot s = slots[index(start)];
        return s.start == start ? s : null;
    }

    private int index(long start) {
        return (int) Math.floorMod(start / slotMillis, (long) length);
    }

    /** Records that a slot of this ring changed size from {@code before} bytes. */
    void account(Slot s, long before) {
        bytes += s.bytes - before;
    }

    /** Estimated heap bytes of every slot's cells. */
    long footprint() {
        return bytes;
    }

    /** The oldest slot that still has per-key cells and is not {@code except}; null when none. */
    Slot oldestWithKeys(long except) {
        Slot oldest = null;
        for (Slot s : slots) {
            if (s.start == Long.MIN_VALUE || s.start == except || s.trimmed || !s.hasKeys()) continue;
            if (oldest == null || s.start < oldest.start) oldest = s;
        }
        return oldest;
    }
}
