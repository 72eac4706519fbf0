package io.turnpike.server.http1;

import io.netty.util.ByteProcessor;

/**
 * Follows the raw bytes of one request head, across as many reads as it takes, for what Netty's
 * decoder would accept but a gateway must not: obs-fold (a line starting with SP or HTAB, which
 * Netty joins to the line before), more header fields than allowed, and header names with an
 * underscore. Its state survives between reads, so a fold right after a read that ended on a line
 * break is still seen. Allocation-free; {@link #reset} before the next head.
 *
 * <p>On the same pass it notes whether every header line so far is {@link #clean}: a name of
 * token characters, a value of field characters, CR only right before LF. Netty's header
 * validation then has nothing to find in those lines, so the decoder may skip it
 * ({@link ScannedHeadValidation}); any other byte leaves the head to Netty's checks, as before.
 */
final class HeadScanner implements ByteProcessor {
    /** What stopped the scan early, if anything. */
    enum Problem { NONE, OBS_FOLD, TOO_MANY_FIELDS, UNDERSCORE_IN_NAME }

    private static final int LEADING = 0;      // empty lines before the request line (skipped, as Netty does)
    private static final int REQUEST_LINE = 1;
    private static final int LINE_START = 2;   // right after a line feed
    private static final int LINE_CR = 3;      // a CR at the start of a line: the empty line, if LF follows
    private static final int NAME = 4;
    private static final int VALUE = 5;
    private static final int VALUE_CR = 6;     // a CR in a value: the line's end, if LF follows
    private static final int END = 7;          // the empty line ending the head was seen
    private static final int STOPPED = 8;

    /** RFC 9110 5.6.2 tchar: what Netty's name validation accepts, byte for byte. */
    private static final boolean[] TOKEN = RawHead.TOKEN;
    /** RFC 9110 5.5 field-vchar plus SP and HTAB: what Netty's value validation accepts after trimming. */
    private static final boolean[] FIELD = RawHead.FIELD;

    private final int maxFields;
    private final boolean rejectUnderscores;
    private int state = LEADING;
    private int fields;
    private boolean underscore;
    private boolean clean = true;
    private int nameLength;
    private Problem problem = Problem.NONE;

    /** @param rejectUnderscores stop at the first header name with an underscore */
    HeadScanner(int maxFields, boolean rejectUnderscores) {
        this.maxFields = maxFields;
        this.rejectUnderscores = rejectUnderscores;
    }

    void reset() {
        state = LEADING;
        fields = 0;
        underscore = false;
        clean = true;
        problem = Problem.NONE;
    }

    /**
     * Every header line scanned so far has a non-empty token name, a colon, a value of field
     * characters and a CRLF end: Netty's name and value validation would pass each of them.
     */
    boolean clean() {
        return clean;
    }

    /** Nothing of a head was seen since the last {@link #reset} but empty lines. */
    boolean fresh() {
        return state == LEADING;
    }

    /** The empty line ending the head was seen, with no problem before it. */
    boolean ended() {
        return state == END;
    }

    /** True once the head ended or a problem was found: later bytes are not the head's. */
    boolean done() {
        return state >= END;
    }

    Problem problem() {
        return problem;
    }

    /** Whether some header name of this head has an underscore. */
    boolean sawUnderscore() {
        return underscore;
    }

    int maxFields() {
        return maxFields;
    }

    @Override
    public boolean process(byte b) {
        switch (state) {
            case LEADING -> {
                if (b != '\r' && b != '\n') state = REQUEST_LINE;
                return true;
            }
            case REQUEST_LINE -> {
                if (b == '\n') state = LINE_START;
                return true;
            }
            case VALUE -> {
                return value(b);
            }
            case VALUE_CR -> {
                if (b == '\n') {
                    state = LINE_START;
                    return true;
                }
                clean = false; // a bare CR inside the value
                state = VALUE;
                return value(b);
            }
            case LINE_START, LINE_CR -> {
                if (b == '\n') {
                    state = END;
                    return false;
                }
                if (state == LINE_START) {
                    if (b == '\r') {
                        state = LINE_CR;
                        return true;
                    }
                    if (b == ' ' || b == '\t') return stop(Problem.OBS_FOLD);
                }
                if (state == LINE_CR) clean = false; // a bare CR at the start of a line
                if (++fields > maxFields) return stop(Problem.TOO_MANY_FIELDS);
                state = NAME;
                nameLength = 0;
                return name(b);
            }
            case NAME -> {
                return name(b);
            }
            default -> {
                return false;
            }
        }
    }

    private boolean name(byte b) {
        if (b == ':') {
            if (nameLength == 0) clean = false;
            state = VALUE;
        } else if (b == '_') {
            underscore = true;
            nameLength++;
            if (rejectUnderscores) return stop(Problem.UNDERSCORE_IN_NAME);
        } else if (b == '\n') {
            clean = false;
            state = LINE_START; // a line without a colon: the decoder rejects it
        } else {
            nameLength++;
            if (!TOKEN[b & 0xFF]) clean = false;
        }
        return true;
    }

    private boolean value(byte b) {
        if (b == '\r') {
            state = VALUE_CR;
        } else if (b == '\n') {
            clean = false; // a bare LF (strict line parsing refuses it)
            state = LINE_START;
        } else if (!FIELD[b & 0xFF]) {
            clean = false;
        }
        return true;
    }

    private boolean stop(Problem p) {
        problem = p;
        state = STOPPED;
        return false;
    }
}
