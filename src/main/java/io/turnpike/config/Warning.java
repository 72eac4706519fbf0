package io.turnpike.config;

/**
 * Something in a valid config that is likely a mistake: reported, never refused.
 * Printed as {@code file:line:column: warning: path.to.key: message}.
 */
public record Warning(String source, int line, int column, String path, String message) {
    @Override
    public String toString() {
        String where = source + ":" + line + ":" + column + ": warning: ";
        return path.isEmpty() ? where + message : where + path + ": " + message;
    }
}
