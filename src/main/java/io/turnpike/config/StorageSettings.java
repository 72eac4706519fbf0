package io.turnpike.config;

import java.nio.file.Path;

/**
 * Where the gateway keeps what it writes ({@code storage:}).
 *
 * @param dataDir as written; a relative path is relative to the working directory. Created on
 *                the first write, not at start.
 */
public record StorageSettings(Path dataDir) {
    public static final StorageSettings DEFAULT = new StorageSettings(Path.of("./data"));
}
