package io.turnpike.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config's size syntax: plain bytes ({@code 512}), binary units ({@code KiB MiB GiB}, powers
 * of 1024) or decimal units ({@code KB MB GB}, powers of 1000). Units are case-sensitive so that
 * {@code 10M} or {@code 10mb} is reported rather than guessed.
 */
final class SizeFormat {
    static final String EXPECTED = "a size like 512, 64KiB, 10MiB, 1GB";
    private static final String UNITS = "KiB|MiB|GiB|KB|MB|GB|B";
    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,12})\\s?(" + UNITS + ")?");

    private SizeFormat() {}

    /** The syntax as a JSON Schema pattern (ECMA-262, read by Java alike), blanks around stripped. */
    static String schemaPattern() {
        return "^\\s*\\d{1,12}\\s?(" + UNITS + ")?\\s*$";
    }

    /** @return the number of bytes, or -1 when {@code text} is not a size */
    static long parse(String text) {
        Matcher m = SYNTAX.matcher(text.strip());
        if (!m.matches()) return -1;
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            default -> 1L;
        };
        return Math.multiplyHigh(n, factor) == 0 && n * factor >= 0 ? n * factor : -1;
    }
}
