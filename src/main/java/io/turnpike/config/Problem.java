package io.turnpike.config;

/**
 * One thing wrong with a config, located in its source.
 * Printed as {@code file:line:column: path.to.key: message}.
 *
 * @param line    1-based, 0 when unknown
 * @param column  1-based, 0 when unknown
 * @param path    dotted key path, e.g. {@code routes[2].match.path}; empty for the document
 */
public record Problem(String source, int line, int column, String path, String message) {
    @Override
    public String toString() {
        String where = source + ":" + line + ":" + column + ": ";
        return path.isEmpty() ? where + message : where + path + ": " + message;
    }
}
