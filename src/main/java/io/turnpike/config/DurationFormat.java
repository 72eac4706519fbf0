package io.turnpike.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The config's duration syntax: a whole number and a unit ({@code 250ms 2s 1m 1h 1d}), or {@code 0}. */
final class DurationFormat {
    static final String EXPECTED = "a duration like 500ms, 2s, 1m";
    private static final String UNITS = "ms|s|m|h|d";
    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,12})(" + UNITS + ")");

    private DurationFormat() {}

    /**
     * The syntax as a JSON Schema pattern (ECMA-262, read by Java alike): blanks around are
     * stripped; without {@code zeroOk} a duration needs a digit other than 0.
     */
    static String schemaPattern(boolean zeroOk) {
        return zeroOk ? "^\\s*(0|\\d{1,12}(" + UNITS + "))\\s*$"
                : "^\\s*(?=\\d*[1-9])\\d{1,12}(" + UNITS + ")\\s*$";
    }

    /** @return the duration, or null when {@code text} is not one */
    static Duration parse(String text) {
        String t = text.strip();
        if (t.equals("0")) return Duration.ZERO;
        Matcher m = SYNTAX.matcher(t);
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
