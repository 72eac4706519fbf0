package io.turnpike.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Binds {@code storage:} into {@link StorageSettings}. */
final class StorageSection {
    private static final String LEDGER = "sqlite, or a URL like postgresql://user:password@host:5432/turnpike";
    private static final Leaf LEDGER_FORMS = Leaf.either(Leaf.words("sqlite"), new Leaf.Matching("^postgresql://"));

    private StorageSection() {}

    static StorageSettings bind(ConfigNode storage) {
        storage.checkKeys(List.of("dataDir", "ledger"), Map.of());
        String ledger = ledger(storage.get("ledger"));
        ConfigNode dir = storage.get("dataDir");
        String text = dir.text("a directory path like ./data");
        Path dataDir = StorageSettings.DEFAULT.dataDir();
        if (text != null && text.isBlank()) {
            dir.expected("a directory path like ./data");
        } else if (text != null) {
            try {
                dataDir = Path.of(text.strip());
            } catch (InvalidPathException e) {
                dir.expected("a directory path like ./data");
            }
        }
        return new StorageSettings(dataDir, ledger);
    }

    /** Null for the default SQLite ledger. */
    private static String ledger(ConfigNode node) {
        String text = node.text(LEDGER, LEDGER_FORMS);
        if (text == null || text.strip().equals("sqlite")) return null;
        text = text.strip();
        try {
            URI uri = new URI(text);
            if ("postgresql".equals(uri.getScheme()) && uri.getHost() != null
                    && uri.getPath() != null && uri.getPath().length() > 1) {
                return text;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        node.expected(LEDGER);
        return null;
    }
}
