package io.turnpike.config;

import java.util.List;
import java.util.Locale;

/**
 * What a scalar of the config may be, as the JSON Schema shows it: the binders say it where they
 * read the value ({@link ConfigNode#text(String, Leaf)} and the typed readers), so the schema is
 * made from the code that checks the file. Describes only; checking stays with the reader.
 */
sealed interface Leaf {
    /** Any text (a name, a URL, a template): the file may also write it as a number or true/false. */
    Leaf TEXT = new Text();
    /** Any value at all, bound as a whole (a JWK set, a call's body). */
    Leaf ANY = new Any();
    Leaf BOOL = new Bool();

    record Text() implements Leaf {}

    record Any() implements Leaf {}

    record Bool() implements Leaf {}

    /** A whole number from {@code min} to {@code max}. */
    record Whole(long min, long max) implements Leaf {}

    /** A decimal number from {@code min} to {@code max}. */
    record Decimal(double min, double max) implements Leaf {}

    /** A share: a number from 0 (excluded unless {@code zeroOk}) to 1, or a percentage like 50%. */
    record Share(boolean zeroOk) implements Leaf {}

    /** A duration ({@link DurationFormat}). */
    record Duration(boolean zeroOk) implements Leaf {}

    /** A size ({@link SizeFormat}) from {@code min} to {@code max} bytes. */
    record Size(long min, long max) implements Leaf {}

    /** Text matching {@code regex}, written so that Java and ECMA-262 (JSON Schema) read it alike. */
    record Matching(String regex) implements Leaf {}

    /**
     * A word from a closed set, compared after stripping blanks and, when {@code ignoreCase}, in any
     * case; the schema shows it as an enum.
     */
    record Words(List<String> values, boolean ignoreCase) implements Leaf {
        public Words {
            values = List.copyOf(values);
        }

        /** @return the word {@code text} is, as listed, or null */
        String match(String text) {
            String t = text.strip();
            for (String v : values) {
                if (ignoreCase ? v.toLowerCase(Locale.ROOT).equals(t.toLowerCase(Locale.ROOT)) : v.equals(t)) return v;
            }
            return null;
        }
    }

    /** Any one of several forms, like a balancer's name or {@code hash(header:NAME)}. */
    record Either(List<Leaf> forms) implements Leaf {
        public Either {
            forms = List.copyOf(forms);
        }
    }

    static Words words(String... values) {
        return new Words(List.of(values), false);
    }

    static Words wordsInAnyCase(String... values) {
        return new Words(List.of(values), true);
    }

    /** An enum's constants, written in lower case, in any case. */
    static Words words(Class<? extends Enum<?>> type) {
        return new Words(java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList(), true);
    }

    static Leaf either(Leaf... forms) {
        return new Either(List.of(forms));
    }
}
