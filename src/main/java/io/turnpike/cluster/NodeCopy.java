package io.turnpike.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A node's copy of the shared state, {@code <dataDir>/fleet-state.json}: the version it applied
 * and every entity as of that version. A node starts from it before (and without) the store. A
 * write goes to a temporary file, is forced, then renamed over the old copy, so a crash leaves
 * one whole copy or the other.
 */
final class NodeCopy {
    static final String FILE_NAME = "fleet-state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path file;

    /** What a copy holds. */
    record State(long version, List<StoreChange> entities) {
        static final State EMPTY = new State(0, List.of());
    }

    NodeCopy(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /** The copy, or {@link State#EMPTY} when there is none. */
    State read() throws IOException {
        if (!Files.exists(file)) return State.EMPTY;
        JsonNode root = JSON.readTree(file.toFile());
        List<StoreChange> entities = new ArrayList<>();
        for (JsonNode e : root.path("entities")) {
            JsonNode body = e.get("body");
            entities.add(new StoreChange(e.path("version").asLong(), e.path("kind").asText(), e.path("key").asText(),
                    body == null || body.isNull() ? null : body.asText()));
        }
        return new State(root.path("version").asLong(), entities);
    }

    void write(long version, Collection<StoreChange> entities) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", version);
        ArrayNode list = root.putArray("entities");
        for (StoreChange e : entities) {
            list.addObject().put("version", e.version()).put("kind", e.kind()).put("key", e.key()).put("body", e.body());
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".fleet-state", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
