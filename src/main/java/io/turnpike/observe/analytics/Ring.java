package io.turnpike.observe.analytics;

/**
 * Fixed-size ring of time slots at one resolution (10 s for the last hour, 1 min for the last
 * day). A slot is reused when time comes round to it again, so memory never grows with time.
 */
final class Ring {
    final long slotMillis;
    final int length;
    private final Slot[] slots;

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

    long footprint() {
        long bytes = 0;
        for (Slot s : slots) bytes += s.footprint();
        return bytes;
    }
}
