package io.turnpike.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The schema's patterns for durations and sizes say what the parsers say, on text shaped like
 * what people write: digits, a unit or a near miss, blanks around.
 */
class SchemaPatternPropertyTest {
    private static final Pattern DURATION = Pattern.compile(DurationFormat.schemaPattern(false));
    private static final Pattern DURATION_OR_ZERO = Pattern.compile(DurationFormat.schemaPattern(true));
    private static final Pattern SIZE = Pattern.compile(SizeFormat.schemaPattern());

    @Property(tries = 3000)
    void theDurationPatternsAgreeWithTheParser(@ForAll("durations") String text) {
        Duration d = DurationFormat.parse(text);
        assertThat(DURATION_OR_ZERO.matcher(text).find()).as(text).isEqualTo(d != null);
        assertThat(DURATION.matcher(text).find()).as(text).isEqualTo(d != null && !d.isZero());
    }

    @Property(tries = 3000)
    void theSizePatternAgreesWithTheParser(@ForAll("sizes") String text) {
        assertThat(SIZE.matcher(text).find()).as(text).isEqualTo(SizeFormat.parse(text) >= 0);
    }

    @Provide
    Arbitrary<String> durations() {
        return shaped(14, Arbitraries.of("", "ms", "s", "m", "h", "d", "S", "sec", "mss", "us", "1s", ".5s"));
    }

    /** At most 9 digits: past Long.MAX_VALUE bytes (10 digits of GiB) only the parser can tell. */
    @Provide
    Arbitrary<String> sizes() {
        return shaped(9, Arbitraries.of("", "B", "KiB", "MiB", "GiB", "KB", "MB", "GB", " KiB", "  KiB", "kb", "M", "k", "KIB"));
    }

    private static Arbitrary<String> shaped(int maxDigits, Arbitrary<String> units) {
        Arbitrary<String> digits = Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(maxDigits);
        Arbitrary<String> blanks = Arbitraries.of("", " ", "\t", "  ");
        return Combinators.combine(blanks, digits, units, blanks).as((a, n, u, b) -> a + n + u + b);
    }
}
