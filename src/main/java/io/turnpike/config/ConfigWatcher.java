package io.turnpike.config;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches a config file and reloads it when it changes (checked several times a second, so a
 * change applies within a second). A good file goes to {@code onGood}; a bad one's problems go to
 * {@code onBad} and the running config stays.
 */
public final class ConfigWatcher implements AutoCloseable {
    public ConfigWatcher(Path file, Consumer<GatewayConfig> onGood, Consumer<List<Problem>> onBad) {
        throw new UnsupportedOperationException("contract stub");
    }

    public void start() {}

    @Override
    public void close() {}
}
