package io.turnpike.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The admin overlay on disk: {@code <dataDir>/admin-overlay.json}. A write goes to a temporary
 * file in the same directory, is forced to disk, then renamed over the old one, so a crash leaves
 * either the old overlay or the new one, never half of one.
 */
final class OverlayStore {
    static final String FILE_NAME = "admin-overlay.json";

    private final Path dir;
    private final Path file;

    OverlayStore(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /** The persisted overlay, or null when there is none yet. */
    ConfigDocument read() {
        if (!Files.exists(file)) return null;
        try {
            return ConfigDocument.parse(file.toString(), Files.readAllBytes(file), null);
        } catch (IOException e) {
            ConfigProblems p = new ConfigProblems(file.toString());
            p.add(null, "", "cannot read the file: " + e);
            return new ConfigDocument(file.toString(), null, p.sorted());
        }
    }

    void write(String json) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, FILE_NAME, ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves an overlay that no longer fits aside, so nothing is lost and the next write starts clean. */
    Path setAside() throws IOException {
        Path aside = dir.resolve("admin-overlay.rejected-" + System.currentTimeMillis() + ".json");
        Files.move(file, aside);
        return aside;
    }

    /** Makes the rename itself durable; not every platform can open a directory, which is fine. */
    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }
}
