package io.turnpike.compose;

import java.nio.charset.StandardCharsets;

/**
 * How a template value is written into the part of a URI it lands in, so that it stays data there:
 * a value in a path never adds a segment, goes up one or ends the path; a value in a query never
 * adds a parameter or ends the query.
 *
 * <p>Two kinds of value. <em>Text</em> (a header, a decoded query parameter, a claim, a call's
 * result) has every byte outside RFC 3986 unreserved percent-encoded as UTF-8: {@code a b} is
 * {@code a%20b}, {@code %41} is {@code %2541}. <em>Encoded</em> values are route variables, taken
 * from the normalised request path and so already in a path's form: their escapes are kept as they
 * are (never encoded twice), and only what would mean something else where they land is encoded.
 * In a path, text holding {@code /}, {@code \} or a control character is refused rather than sent
 * as {@code %2F}, {@code %5C} or {@code %0A}, which the gateway refuses from clients too since
 * origins do not agree on what they mean.
 */
final class UriComponents {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UriComponents() {}

    /** Text for a path segment; false (and nothing reliable written) when it holds '/', '\' or a control. */
    static boolean appendTextToPath(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
        }
        appendText(out, text);
        return true;
    }

    /** Text for a query (name or value) or a path segment: all but unreserved bytes percent-encoded. */
    static void appendText(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {   // rare: encode the rest as UTF-8 bytes
                for (byte b : text.substring(i).getBytes(StandardCharsets.UTF_8)) appendByte(out, b & 0xff);
                return;
            }
            appendByte(out, c);
        }
    }

    private static void appendByte(StringBuilder out, int c) {
        if (isUnreserved(c)) {
            out.append((char) c);
        } else {
            out.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
        }
    }

    /**
     * A route variable for a path: pchar and well-formed escapes go as they are, anything else is
     * encoded. False when it holds '/', '\' or a control (never, for a variable of a normalised path).
     */
    static boolean appendEncodedToPath(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
        }
        appendEncoded(out, value, false);
        return true;
    }

    /** A route variable for a query value: as for a path, and {@code & = + ;} encoded too. */
    static void appendEncodedToQuery(StringBuilder out, String value) {
        appendEncoded(out, value, true);
    }

    private static void appendEncoded(StringBuilder out, String value, boolean query) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && isHex(value.charAt(i + 1)) && isHex(value.charAt(i + 2))) {
                out.append(value, i, i + 3);
                i += 2;
            } else if (c >= 0x80) {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) appendByte(out, b & 0xff);
            } else if (isUnreserved(c) || c == ':' || c == '@' || c == '!' || c == '$' || c == '\'' || c == '('
                    || c == ')' || c == '*' || c == ',' || !query && (c == '&' || c == '=' || c == '+' || c == ';')) {
                out.append(c);
            } else {
                appendByte(out, c);
            }
        }
    }

    /**
     * True when {@code s[from, to)} is a segment an origin reads as "." or "..": after dropping
     * {@code ;params} (also behind {@code %3B}) and decoding {@code %2E}.
     */
    static boolean isDotSegment(CharSequence s, int from, int to) {
        int dots = 0;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '%' && i + 2 < to && s.charAt(i + 1) == '2' && (s.charAt(i + 2) | 0x20) == 'e') {
                i += 3;
            } else if (c == ';' || c == '%' && i + 2 < to && s.charAt(i + 1) == '3' && (s.charAt(i + 2) | 0x20) == 'b') {
                break;
            } else {
                return false;
            }
            if (++dots > 2) return false;
        }
        return dots > 0;
    }

    private static boolean isUnreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
