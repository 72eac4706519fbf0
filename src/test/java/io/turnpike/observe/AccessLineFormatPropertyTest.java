package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnpike.core.Problems;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * The access log's line writer against what it replaced: Jackson's generator for every string
 * value (escapes, UTF-8, lone surrogates), {@code Long.toString} for every number.
 */
class AccessLineFormatPropertyTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Property(tries = 2000)
    void aValueIsWrittenAsJacksonWritesIt(@ForAll String value) throws Exception {
        AccessRecord r = new AccessRecord(1_700_000_000_123L, "r", "10.0.0.1", "route", "svc", "n", "GET", "/p", 200,
                1, 2, 1_500_000, 1_000_000, 0, "ok", null, null, value, "allowed", null, null);
        String line = new AccessLineFormat().format(r);
        String expected = ",\"consumer\":" + new String(JACKSON.writeValueAsBytes(value), StandardCharsets.UTF_8) + ",";
        assertThat(line).contains(expected);
    }

    @Property(tries = 2000)
    void aNumberIsWrittenAsLongToStringWritesIt(@ForAll long value, @ForAll @LongRange(min = 0, max = 999) long small) {
        for (long v : new long[] {value, small, Long.MIN_VALUE, Long.MAX_VALUE}) {
            byte[] a = new byte[32];
            int end = AccessLineFormat.number(a, 0, v);
            assertThat(new String(a, 0, end, StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
        }
    }

    @Property(tries = 500)
    void aLineOfLongValuesFitsAndParses(@ForAll String a, @ForAll String b, @ForAll long bytes) throws Exception {
        String longest = (a + b).repeat(50); // every character may need six bytes
        AccessRecord r = new AccessRecord(-1, longest, longest, longest, longest, longest, longest, longest,
                Integer.MIN_VALUE, bytes, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, longest,
                Problems.Kind.BAD_GATEWAY, longest, longest, longest, longest, longest);
        AccessLineFormat.Batch batch = new AccessLineFormat.Batch(16);
        new AccessLineFormat().append(r, batch);
        String line = new String(batch.bytes(), 0, batch.length(), StandardCharsets.UTF_8);
        assertThat(line).endsWith("}}\n");
        assertThat(JACKSON.readTree(line).get("bytesIn").asLong()).isEqualTo(bytes);
    }
}
