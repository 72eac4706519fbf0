package io.turnpike.server.http1;

import io.netty.util.ByteProcessor;

/**
 * Follows the raw bytes of one request head, across as many reads as it takes, for what Netty's
 * decoder would accept but a gateway must not: obs-fold (a line starting with SP or HTAB, which
 * Netty joins to the line before), more header fields than allowed, and header names with an
 * underscore. Its state survives between reads, so a fold right after a read that ended on a line
 * break is still seen. Allocation-free; {@link #reset} before the next head.
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
    private static final int END = 6;          // the empty line ending the head was seen
    private static final int STOPPED = 7;

    private final int maxFields;
    private final boolean rejectUnderscores;
    private int state = LEADING;
    private int fields;
    private boolean underscore;
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
        problem = Problem.NONE;
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
            case REQUEST_LINE, VALUE -> {
                if (b == '\n') state = LINE_START;
                return true;
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
                if (++fields > maxFields) return stop(Problem.TOO_MANY_FIELDS);
                state = NAME;
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
            state = VALUE;
        } else if (b == '_') {
            underscore = true;
            if (rejectUnderscores) return stop(Problem.UNDERSCORE_IN_NAME);
        } else if (b == '\n') {
            state = LINE_START; // a line without a colon: the decoder rejects it
        }
        return true;
    }

    private boolean stop(Problem p) {
        problem = p;
        state = STOPPED;
        return false;
    }
}
