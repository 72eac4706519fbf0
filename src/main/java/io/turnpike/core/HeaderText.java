package io.turnpike.core;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Text from outside the gateway's own code (a token's claim, a value taken from the request) on its
 * way into a header: which characters a field cannot carry, and how the rest goes out.
 */
public final class HeaderText {
    private HeaderText() {}

    /** A control character other than tab: CR and LF would end the field, and parsers refuse the others. */
    public static boolean isControl(char c) {
        return c < 0x20 && c != '\t' || c == 0x7f;
    }

    /** Where the first control character is, or -1. */
    public static int firstControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) return i;
        }
        return -1;
    }

    /**
     * The text as a header value: itself when it is ASCII, else its UTF-8 bytes (a String goes out as
     * Latin-1, each character past U+00FF cut to its low byte).
     */
    public static CharSequence utf8(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) return new AsciiString(text.getBytes(StandardCharsets.UTF_8), false);
        }
        return text;
    }
}
