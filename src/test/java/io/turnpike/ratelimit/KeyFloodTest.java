package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A flood of distinct keys cannot exhaust the heap: the store keeps at most its bound. */
class KeyFloodTest {
    private static final int MAX_KEYS = 100_000;

    @Test
    void aMillionDistinctIpsStayWithinTheKeyBoundAndAHotKeyStaysLimited() {
        AtomicLong clock = new AtomicLong(1);
        LocalStore store = new LocalStore(MAX_KEYS, clock::get);
        // per IP: 10 per hour, so no key expires during the flood: only the bound keeps it small
        Limit perIp = LocalStoreTest.limit(10, Duration.ofHours(1), 10);
        Limit[] limits = {perIp};
        long before = usedHeap();
        // A hot key, used often before the flood, at its limit.
        for (int i = 0; i < 50; i++) store.decide(limits, new String[] {"10.0.0.1"});
        assertThat(store.decide(limits, new String[] {"10.0.0.1"}).allowed()).isFalse();
        for (int i = 0; i < 1_000_000; i++) {
            String ip = (11 + (i >>> 16)) + "." + ((i >>> 8) & 255) + "." + (i & 255) + ".7";
            assertThat(store.decide(limits, new String[] {ip}).allowed()).isTrue();
            if ((i & 0xFFFF) == 0) {
                store.decide(limits, new String[] {"10.0.0.1"}); // still calling, as a hot key does
            }
        }
        store.cleanUp();
        long after = usedHeap();
        System.out.printf("1,000,000 distinct keys offered, %d held (bound %d), heap grew %d KiB%n",
                store.size(), MAX_KEYS, (after - before) >> 10);
        assertThat(store.size()).isLessThanOrEqualTo(MAX_KEYS);
        // ~240 bytes a key: 100k keys take ~23 MiB; a million unbounded would take ~240 MiB
        assertThat(after - before).isLessThan(64L << 20);
        // W-TinyLFU admitted the flood's one-time keys only in place of each other: the hot key kept its state
        assertThat(store.decide(limits, new String[] {"10.0.0.1"}).allowed()).isFalse();
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
