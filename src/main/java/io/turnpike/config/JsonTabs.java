package io.turnpike.config;

/**
 * Makes tab-indented JSON readable by SnakeYAML, which (as YAML 1.1 allows) rejects tabs as
 * token separators. JSON is meant to be valid config, and editors indent JSON with tabs.
 */
final class JsonTabs {
    private JsonTabs() {}

    /**
     * For a document that starts like JSON ({@code {} or {@code [}), replaces each tab outside a
     * quoted string by a space. One character for one keeps every line and column where it was.
     */
    static String untab(String text) {
        if (text.indexOf('\t') < 0 || !startsLikeJson(text)) return text;
        char[] chars = text.toCharArray();
        char quote = 0;
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '\t') {
                chars[i] = ' ';
            }
        }
        return new String(chars);
    }

    private static boolean startsLikeJson(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) return c == '{' || c == '[';
        }
        return false;
    }
}
