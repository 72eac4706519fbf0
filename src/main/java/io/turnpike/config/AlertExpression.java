package io.turnpike.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An alert rule's {@code when:}, parsed: a signal, what it looks at, and (for measured signals) a
 * comparison with a threshold. The grammar:
 *
 * <pre>
 * when       = signal "(" [ arg { "," arg } ] ")" [ comparison ]
 * arg        = name "=" value                       value: "*" or letters, digits and ._:-/
 * comparison = ( ">" | ">=" | "<" | "<=" ) number [ unit ]
 * </pre>
 *
 * Measured signals ({@link Kind#measured}) need a comparison; state signals must not have one.
 * Thresholds are kept in the unit written: {@code 5%} is 5, {@code 500ms} is 500, {@code 2s} is
 * 2000 (ms), {@code 30/m} is 0.5 (per second), {@code 36h} is 1.5 (days).
 *
 * @param dimension  the selector's name ({@code route}, {@code service}, ...), null when none
 * @param key        the selector's value; {@code *} means every key, each its own alert
 * @param window     the span a measured signal is computed over
 * @param comparison null for state signals
 */
public record AlertExpression(String text, Kind kind, String dimension, String key, Duration window,
                              String comparison, double threshold) {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    /** The signals a rule can watch. */
    public enum Kind {
        ERROR_RATE("errorRate", true, Unit.PERCENT, List.of("route", "service", "node", "consumer", "profile"), false),
        P50("p50", true, Unit.MILLIS, List.of("route", "service", "node", "consumer", "profile"), false),
        P90("p90", true, Unit.MILLIS, List.of("route", "service", "node", "consumer", "profile"), false),
        P99("p99", true, Unit.MILLIS, List.of("route", "service", "node", "consumer", "profile"), false),
        MAX("max", true, Unit.MILLIS, List.of("route", "service", "node", "consumer", "profile"), false),
        REQUEST_RATE("requestRate", true, Unit.PER_SECOND, List.of("route", "service", "node", "consumer", "profile"), false),
        RATE_LIMITED("rateLimited", true, Unit.PER_SECOND, List.of("route", "service", "consumer"), false),
        QUOTA_USED("quotaUsed", true, Unit.PERCENT, List.of("consumer"), true),
        CIRCUIT_OPEN("circuitOpen", false, null, List.of("service"), true),
        NODE_DOWN("nodeDown", false, null, List.of("service"), true),
        NODE_EJECTED("nodeEjected", false, null, List.of("service"), true),
        ALL_NODES_DOWN("allNodesDown", false, null, List.of("service"), true),
        RELOAD_FAILED("reloadFailed", false, null, List.of(), false),
        CERTIFICATE_EXPIRY("certificateExpiry", true, Unit.DAYS, List.of("cert"), true);

        public final String function;
        /** Has a value compared with a threshold (else it is a state: true or false). */
        public final boolean measured;
        public final Unit unit;
        final List<String> selectors;
        final boolean selectorRequired;

        Kind(String function, boolean measured, Unit unit, List<String> selectors, boolean selectorRequired) {
            this.function = function;
            this.measured = measured;
            this.unit = unit;
            this.selectors = selectors;
            this.selectorRequired = selectorRequired;
        }

        /** Computed from the traffic rollups (so it takes {@code window=}). */
        public boolean fromRollups() {
            return measured && this != QUOTA_USED && this != CERTIFICATE_EXPIRY;
        }

        static Kind of(String function) {
            for (Kind k : values()) if (k.function.equals(function)) return k;
            return null;
        }
    }

    /** A threshold's unit family, and the suffixes it accepts. */
    public enum Unit {
        PERCENT("%", "a percentage like 5%"),
        MILLIS("ms", "a latency like 500ms or 2s"),
        PER_SECOND("/s", "a rate like 20/s or 300/m"),
        DAYS("d", "a time like 14d or 36h");

        public final String suffix;
        final String expected;

        Unit(String suffix, String expected) {
            this.suffix = suffix;
            this.expected = expected;
        }
    }

    /** A syntax or meaning error at {@code offset} (0-based) in the text. */
    public static final class Invalid extends Exception {
        public final int offset;

        Invalid(int offset, String message) {
            super(message, null, false, false);
            this.offset = offset;
        }
    }

    /** True when {@code value} (in the threshold's unit) breaches the threshold. NaN never does. */
    public boolean breached(double value) {
        if (Double.isNaN(value)) return false;
        return switch (comparison) {
            case ">" -> value > threshold;
            case ">=" -> value >= threshold;
            case "<" -> value < threshold;
            default -> value <= threshold;
        };
    }

    /** {@code > 5%}: the comparison as written back for people; empty for state signals. */
    public String thresholdText() {
        if (comparison == null) return "";
        return comparison + " " + format(threshold) + kind.unit.suffix;
    }

    /** A value in this expression's unit, for people: {@code 12.5%}, {@code 730ms}. */
    public String valueText(double value) {
        return kind.measured ? format(value) + kind.unit.suffix : value >= 1 ? "true" : "false";
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        String f = Math.abs(v) >= 10 ? "%.1f" : "%.3f"; // 130.5ms, 0.125/s
        return String.format(Locale.ROOT, f, v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    @Override
    public String toString() {
        return text;
    }

    // ---- parsing

    public static AlertExpression parse(String text) throws Invalid {
        return new Parser(text).expression();
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        AlertExpression expression() throws Invalid {
            space();
            int nameAt = i;
            String name = word();
            if (name.isEmpty()) throw new Invalid(i, "expected a signal like errorRate(route=x) (one of: " + functions() + ")");
            Kind kind = Kind.of(name);
            if (kind == null) throw new Invalid(nameAt, "unknown signal \"" + name + "\" (expected one of: " + functions() + ")");
            space();
            expect('(', "\"(\" after " + name);
            Map<String, String> args = new LinkedHashMap<>();
            Map<String, Integer> argAt = new LinkedHashMap<>();
            space();
            if (peek() != ')') {
                while (true) {
                    space();
                    int at = i;
                    String arg = word();
                    if (arg.isEmpty()) throw new Invalid(i, "expected an argument like route=users-read");
                    space();
                    expect('=', "\"=\" after " + arg);
                    space();
                    int valueAt = i;
                    String value = peek() == '*' ? String.valueOf(s.charAt(i++)) : value();
                    if (value.isEmpty()) throw new Invalid(valueAt, "expected a value after " + arg + "= (an id, or * for each)");
                    if (args.put(arg, value) != null) throw new Invalid(at, "\"" + arg + "\" given twice");
                    argAt.put(arg, at);
                    space();
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    break;
                }
            }
            expect(')', "\",\" or \")\"");
            Duration window = DEFAULT_WINDOW;
            String dimension = null;
            String key = null;
            for (Map.Entry<String, String> a : args.entrySet()) {
                int at = argAt.get(a.getKey());
                if (a.getKey().equals("window") && kind.fromRollups()) {
                    window = DurationFormat.parse(a.getValue());
                    if (window == null || window.isZero() || window.compareTo(Duration.ofHours(24)) > 0) {
                        throw new Invalid(at, "window=" + a.getValue() + " (expected: a duration from 10s to 24h, like 5m)");
                    }
                    if (window.toMillis() < 10_000) window = Duration.ofSeconds(10);
                } else if (kind.selectors.contains(a.getKey())) {
                    if (dimension != null) {
                        throw new Invalid(at, "one selector at a time (" + dimension + "= is already given)");
                    }
                    dimension = a.getKey();
                    key = a.getValue();
                } else {
                    List<String> accepted = new java.util.ArrayList<>(kind.selectors);
                    if (kind.fromRollups()) accepted.add("window");
                    throw new Invalid(at, "\"" + a.getKey() + "\" is not an argument of " + kind.function
                            + (accepted.isEmpty() ? " (expected: no arguments)" : " (expected: " + String.join(", ", accepted) + ")"));
                }
            }
            if (kind.selectorRequired && dimension == null) {
                throw new Invalid(nameAt, kind.function + " needs " + kind.selectors.get(0) + "= (an id, or * for each)");
            }
            space();
            String comparison = null;
            double threshold = 0;
            if (i < s.length()) {
                int opAt = i;
                comparison = operator();
                if (comparison == null) throw new Invalid(i, "expected a comparison (>, >=, <, <=) or the end");
                if (!kind.measured) {
                    throw new Invalid(opAt, kind.function + "(...) is a state, true or false, and takes no comparison");
                }
                space();
                threshold = quantity(kind.unit);
                space();
                if (i < s.length()) throw new Invalid(i, "unexpected \"" + s.substring(i) + "\" after the threshold");
            } else if (kind.measured) {
                throw new Invalid(i, kind.function + "(...) needs a comparison, like " + kind.function + "(...) > "
                        + example(kind.unit));
            }
            return new AlertExpression(s.strip(), kind, dimension, key, window, comparison, threshold);
        }

        private double quantity(Unit unit) throws Invalid {
            int at = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            String number = s.substring(at, i);
            double n;
            try {
                n = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new Invalid(at, "expected a number (" + unit.expected + ")");
            }
            int unitAt = i;
            while (i < s.length() && !Character.isWhitespace(s.charAt(i))) i++;
            String suffix = s.substring(unitAt, i);
            return switch (unit) {
                case PERCENT -> {
                    if (suffix.equals("%")) yield n;
                    throw new Invalid(unitAt, unitProblem(suffix, unit));
                }
                case MILLIS -> switch (suffix) {
                    case "ms" -> n;
                    case "s" -> n * 1000;
                    default -> throw new Invalid(unitAt, unitProblem(suffix, unit));
                };
                case PER_SECOND -> switch (suffix) {
                    case "/s" -> n;
                    case "/m" -> n / 60;
                    default -> throw new Invalid(unitAt, unitProblem(suffix, unit));
                };
                case DAYS -> switch (suffix) {
                    case "d" -> n;
                    case "h" -> n / 24;
                    default -> throw new Invalid(unitAt, unitProblem(suffix, unit));
                };
            };
        }

        private static String unitProblem(String suffix, Unit unit) {
            return (suffix.isEmpty() ? "no unit" : "unit \"" + suffix + "\"") + " (expected: " + unit.expected + ")";
        }

        private static String example(Unit unit) {
            return switch (unit) {
                case PERCENT -> "5%";
                case MILLIS -> "500ms";
                case PER_SECOND -> "20/s";
                case DAYS -> "14d";
            };
        }

        private String operator() {
            for (String op : List.of(">=", "<=", ">", "<")) {
                if (s.startsWith(op, i)) {
                    i += op.length();
                    return op;
                }
            }
            return null;
        }

        private String word() {
            int at = i;
            while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) i++;
            return s.substring(at, i);
        }

        private String value() {
            int at = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "._:-/".indexOf(s.charAt(i)) >= 0)) i++;
            return s.substring(at, i);
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void expect(char c, String what) throws Invalid {
            if (peek() != c) throw new Invalid(i, "expected " + what);
            i++;
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private static String functions() {
            StringBuilder b = new StringBuilder();
            for (Kind k : Kind.values()) b.append(b.isEmpty() ? "" : ", ").append(k.function);
            return b.toString();
        }
    }
}
