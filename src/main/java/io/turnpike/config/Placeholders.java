package io.turnpike.config;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Substitutes {@code ${NAME}} and {@code ${NAME:-default}} in a scalar value; {@code $${} is a
 * literal {@code ${}. Runs on values after YAML parsing, so a substituted value is never parsed
 * as YAML and every location still points at the file as written.
 */
final class Placeholders {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Placeholders() {}

    /** Thrown with a message in the config's usual "what (expected: ...)" shape. */
    static final class Unresolved extends Exception {
        Unresolved(String message) {
            super(message, null, false, false);
        }
    }

    static boolean mayContain(String text) {
        return text.indexOf('$') >= 0;
    }

    static String resolve(String text, Function<String, String> env) throws Unresolved {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new Unresolved("\"" + text + "\" has an unclosed \"${\" (expected: ${NAME} or "
                            + "${NAME:-default}; write $${ for a literal ${)");
                }
                out.append(lookUp(text.substring(i + 2, end), env));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String lookUp(String body, Function<String, String> env) throws Unresolved {
        int sep = body.indexOf(":-");
        String name = sep < 0 ? body : body.substring(0, sep);
        if (!NAME.matcher(name).matches()) {
            throw new Unresolved("\"${" + body + "}\" (expected: ${NAME} or ${NAME:-default}, "
                    + "NAME of letters, digits and _)");
        }
        String value = env.apply(name);
        if (sep >= 0) {
            // As in a shell: the default also stands in for a variable that is set but empty.
            return value == null || value.isEmpty() ? body.substring(sep + 2) : value;
        }
        if (value == null) {
            throw new Unresolved("environment variable " + name + " is not set (expected: set it, or "
                    + "give a default: ${" + name + ":-value})");
        }
        return value;
    }
}
