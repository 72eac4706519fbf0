package io.turnpike.config;

import java.nio.file.Path;

/**
 * Where the gateway keeps what it writes ({@code storage:}).
 *
 * @param dataDir as written; a relative path is relative to the working directory. Created on
 *                the first write, not at start.
 * @param ledger  the usage ledger: null for SQLite in {@code dataDir} (ledger.db), or a
 *                {@code postgresql://user:password@host:port/database} URL for a ledger a fleet shares
 */
public record StorageSettings(Path dataDir, String ledger) {
    public static final StorageSettings DEFAULT = new StorageSettings(Path.of("./data"));

    public StorageSettings(Path dataDir) {
        this(dataDir, null);
    }

    @Override
    public String toString() {
        return "StorageSettings[dataDir=" + dataDir + ", ledger=" + (ledger == null ? "sqlite" : "postgresql (redacted)") + "]";
    }
}
