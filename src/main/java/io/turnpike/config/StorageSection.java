package io.turnpike.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Binds {@code storage:} into {@link StorageSettings}. */
final class StorageSection {
    private StorageSection() {}

    static StorageSettings bind(ConfigNode storage) {
        storage.checkKeys(List.of("dataDir"), Map.of("ledger", "\"ledger\" is not supported yet"));
        ConfigNode dir = storage.get("dataDir");
        String text = dir.text("a directory path like ./data");
        if (text == null) return StorageSettings.DEFAULT;
        if (text.isBlank()) {
            dir.expected("a directory path like ./data");
            return StorageSettings.DEFAULT;
        }
        try {
            return new StorageSettings(Path.of(text.strip()));
        } catch (InvalidPathException e) {
            dir.expected("a directory path like ./data");
            return StorageSettings.DEFAULT;
        }
    }
}
