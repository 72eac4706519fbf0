package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.RateLimitSpec;
import io.turnpike.config.RateLimitSpec.KeyPart;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-process GCRA store, on a clock moved by hand. */
class LocalStoreTest {
    private static final List<KeyPart> BY_IP = List.of(new KeyPart(KeyPart.Kind.IP, null));
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final LocalStore store = new LocalStore(10_000, clock::get);

    static Limit limit(long count, Duration period, long burst) {
        return Limit.of("route:r", new RateLimitSpec(count, period, burst, BY_IP), 1, 64);
    }

    private LimitOutcome call(Limit limit, String key) {
        return store.decide(new Limit[] {limit}, new String[] {key});
    }

    private int passing(Limit limit, String key, int calls) {
        int n = 0;
        for (int i = 0; i < calls; i++) if (call(limit, key).allowed()) n++;
        return n;
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void exactlyTheLimitPassesAtOnceAndTheNextIsRefused() {
        Limit l = limit(10, Duration.ofSeconds(1), 10);
        for (int i = 1; i <= 10; i++) {
            LimitOutcome o = call(l, "a");
            assertThat(o.allowed()).as("call %d", i).isTrue();
            assertThat(o.remaining()).isEqualTo(10 - i);
        }
        LimitOutcome refused = call(l, "a");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(refused.resetNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void oneCallComesBackPerIntervalAndNotBefore() {
        Limit l = limit(10, Duration.ofSeconds(1), 10);
        assertThat(passing(l, "a", 10)).isEqualTo(10);
        advance(Duration.ofMillis(99));
        assertThat(call(l, "a").allowed()).isFalse();
        advance(Duration.ofMillis(1));
        assertThat(call(l, "a").allowed()).isTrue();
        assertThat(call(l, "a").allowed()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(passing(l, "a", 20)).isEqualTo(10); // a full burst again, no more
    }

    @Test
    void overAWindowExactlyTheLimitPassesWhateverTheArrivalPattern() {
        Limit l = limit(100, Duration.ofMinutes(1), 100);
        int passed = 0;
        for (int ms = 0; ms < 60_000; ms += 50) { // 1200 calls spread over the minute
            if (call(l, "a").allowed()) passed++;
            advance(Duration.ofMillis(50));
        }
        // the first burst of 100, then one per 600 ms for the rest of the minute
        assertThat(passed).isBetween(100 + 99, 100 + 100);
    }

    @Test
    void aBurstSmallerThanTheLimitCapsCallsAtOnce() {
        Limit l = limit(100, Duration.ofSeconds(1), 5);
        assertThat(passing(l, "a", 20)).isEqualTo(5);
        advance(Duration.ofMillis(10));
        assertThat(passing(l, "a", 20)).isEqualTo(1);
        assertThat(l.policy).isEqualTo("100;w=1;burst=5");
    }

    @Test
    void everyLimitOfACallMustAgreeAndARefusalTakesNothing() {
        Limit perSecond = limit(5, Duration.ofSeconds(1), 5);
        Limit perHour = limit(8, Duration.ofHours(1), 8);
        Limit[] both = {perSecond, perHour};
        String[] keys = {"a", "a"};
        int passed = 0;
        for (int i = 0; i < 6; i++) if (store.decide(both, keys).allowed()) passed++;
        assertThat(passed).isEqualTo(5); // the per-second limit refused the 6th
        LimitOutcome o = store.decide(both, keys);
        assertThat(o.limit()).isSameAs(perSecond);
        advance(Duration.ofSeconds(1));
        passed = 0;
        for (int i = 0; i < 6; i++) if (store.decide(both, keys).allowed()) passed++;
        // the hour had 3 left: refusals by the per-second limit did not spend any of them
        assertThat(passed).isEqualTo(3);
        LimitOutcome refused = store.decide(both, keys);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.limit()).isSameAs(perHour);
        assertThat(refused.retryNanos()).isGreaterThan(Duration.ofMinutes(7).toNanos());
    }

    @Test
    void theAnsweringLimitIsTheOneClosestToRefusing() {
        Limit wide = limit(100, Duration.ofSeconds(1), 100);
        Limit narrow = limit(3, Duration.ofMinutes(1), 3);
        LimitOutcome o = store.decide(new Limit[] {wide, narrow}, new String[] {"a", "a"});
        assertThat(o.limit()).isSameAs(narrow);
        assertThat(o.remaining()).isEqualTo(2);
        assertThat(o.resetNanos()).isEqualTo(Duration.ofSeconds(20).toNanos());
    }

    @Test
    void keysAreCountedApart() {
        Limit l = limit(2, Duration.ofSeconds(1), 2);
        assertThat(passing(l, "a", 5)).isEqualTo(2);
        assertThat(passing(l, "b", 5)).isEqualTo(2);
    }

    @Test
    void anIdleKeyIsDroppedOnceItIsBackToAFullBurst() {
        Limit l = limit(2, Duration.ofSeconds(1), 2);
        for (int i = 0; i < 1000; i++) call(l, "k" + i);
        store.cleanUp();
        assertThat(store.size()).isEqualTo(1000);
        advance(Duration.ofMillis(1600)); // refilled after 1 s, dropped one interval later
        store.cleanUp();
        assertThat(store.size()).isZero();
    }

    @Test
    void theSameLimitAfterAReloadFindsItsCountsAndAChangedOneStartsAfresh() {
        Limit before = limit(3, Duration.ofMinutes(1), 3);
        assertThat(passing(before, "a", 3)).isEqualTo(3);
        assertThat(passing(limit(3, Duration.ofMinutes(1), 3), "a", 1)).isZero(); // recompiled, same spec
        assertThat(passing(limit(4, Duration.ofMinutes(1), 4), "a", 4)).isEqualTo(4); // a new limit
    }
}
