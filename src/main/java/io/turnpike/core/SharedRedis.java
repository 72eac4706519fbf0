package io.turnpike.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The fleet's Redis ({@code cluster.redis}) as a feature other than rate limiting sees it: the
 * gateway's one connection, lent out, so quotas do not open another. Scripts run async; a stage
 * completes on a Redis thread (which may be another event loop), so a caller hops back to its own.
 */
public interface SharedRedis {
    /** Whether Redis answers now; while it does not, {@link #run} fails at once. */
    boolean up();

    /** Where Redis is ({@code host:port}, never the password), for logs and {@code /ready}. */
    String where();

    /** Runs {@code script} (EVALSHA, EVAL once after Redis forgot it); fails when Redis is down, slow past the timeout, or answers an error. */
    CompletionStage<List<Object>> run(Script script, String[] keys, String... args);

    /** A Lua script and its SHA-1. */
    record Script(String name, String text, String sha) {
        /** Reads the script {@code name} beside {@code owner}'s class file. */
        public static Script load(Class<?> owner, String name) {
            try (InputStream in = owner.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("no script " + name + " beside " + owner.getName());
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                byte[] sha = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return new Script(name, text, HexFormat.of().formatHex(sha));
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException("cannot read the script " + name, e);
            }
        }
    }
}
