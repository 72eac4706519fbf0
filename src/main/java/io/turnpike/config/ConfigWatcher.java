package io.turnpike.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a config file and reloads it when it changes (checked several times a second, so a
 * change applies within a second). A good file goes to {@code onGood}; a bad one's problems go to
 * {@code onBad} and the running config stays.
 *
 * <p>Polling rather than a {@code WatchService}: it sees through symlink swaps (Kubernetes
 * ConfigMaps), editors that save by writing a new file and renaming it over the old, and
 * filesystems where watch events are missing. A change is acted on once the file's size, mtime
 * and identity have held still for one poll, so a half-written file is not read; a touch that
 * leaves the content as it was (same hash) is not a change. The file may be missing for a moment
 * (between an editor's delete and rename); only if it stays missing is that reported.
 *
 * <p>The content present when the watcher is created counts as already loaded: create it right
 * after the initial {@link ConfigLoader#load}. Callbacks run on the watcher's own daemon thread.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration MISSING_GRACE = Duration.ofSeconds(1);

    private final Path file;
    private final Consumer<byte[]> onContent;
    private final Consumer<List<Problem>> onUnreadable;
    private final long pollMillis;
    private final int missingPollsAllowed;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;

    // Touched only by the watcher thread (and the constructor, before it starts).
    private Stamp seen;
    private Stamp settling;
    private byte[] loadedHash;
    private int missingPolls;
    private boolean missingReported;

    /** What a poll compares: cheap to read, and changed by every way of saving a file. */
    private record Stamp(FileTime modified, long size, Object fileKey) {}

    public ConfigWatcher(Path file, Consumer<GatewayConfig> onGood, Consumer<List<Problem>> onBad) {
        this(file, onGood, onBad, System::getenv, POLL);
    }

    ConfigWatcher(Path file, Consumer<GatewayConfig> onGood, Consumer<List<Problem>> onBad,
                  Function<String, String> env, Duration poll) {
        this(file, bytes -> {
            ConfigLoader.Result r = ConfigLoader.parse(file, bytes, env);
            if (r.ok()) {
                onGood.accept(r.config());
            } else {
                onBad.accept(r.problems());
            }
        }, onBad, poll);
    }

    /**
     * A watcher that hands over the file's new content as read once, for a caller that combines
     * it with more than the file (see {@link ConfigSources#reloadFile}).
     *
     * @param onUnreadable the file went missing or cannot be read
     */
    public static ConfigWatcher ofContent(Path file, Consumer<byte[]> onContent, Consumer<List<Problem>> onUnreadable) {
        return new ConfigWatcher(file, onContent, onUnreadable, POLL);
    }

    private ConfigWatcher(Path file, Consumer<byte[]> onContent, Consumer<List<Problem>> onUnreadable, Duration poll) {
        this.file = Objects.requireNonNull(file, "file");
        this.onContent = Objects.requireNonNull(onContent, "onContent");
        this.onUnreadable = Objects.requireNonNull(onUnreadable, "onUnreadable");
        this.pollMillis = Math.max(1, poll.toMillis());
        this.missingPollsAllowed = (int) Math.max(1, MISSING_GRACE.toMillis() / pollMillis);
        this.thread = new Thread(this::run, "turnpike-config-watcher");
        thread.setDaemon(true);
        seen = stamp();
        if (seen != null) {
            try {
                loadedHash = hash(Files.readAllBytes(file));
            } catch (IOException e) {
                seen = null; // unreadable now: the first readable version counts as a change
            }
        }
    }

    /** Starts polling; calling it again does nothing. */
    public void start() {
        if (closed) throw new IllegalStateException("closed");
        if (started.compareAndSet(false, true)) thread.start();
    }

    /** Stops polling; no callback starts after this returns (unless called from a callback). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (started.get() && Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (!closed) {
            try {
                poll();
            } catch (RuntimeException e) {
                log.warn("config watcher: checking {} failed; will retry", file, e);
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return; // close() interrupts to stop promptly
            }
        }
    }

    private void poll() {
        Stamp now = stamp();
        if (now == null) {
            settling = null;
            if (++missingPolls >= missingPollsAllowed && !missingReported) {
                missingReported = true;
                seen = null;
                unreadable(new NoSuchFileException(file.toString()));
            }
            return;
        }
        missingPolls = 0;
        if (now.equals(seen)) return;
        if (!now.equals(settling)) {
            settling = now; // let a writer finish: act once the stamp holds still for a poll
            return;
        }
        settling = null;
        seen = now;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            loadedHash = null;
            unreadable(e);
            return;
        }
        byte[] hash = hash(bytes);
        if (Arrays.equals(hash, loadedHash) && !missingReported) return;
        loadedHash = hash;
        missingReported = false;
        deliver(() -> onContent.accept(bytes));
    }

    private void unreadable(IOException e) {
        deliver(() -> onUnreadable.accept(ConfigLoader.unreadable(file, e).problems()));
    }

    private void deliver(Runnable callback) {
        if (closed) return;
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.error("config watcher: the handler for a reload of {} failed", file, e);
        }
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] hash(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
