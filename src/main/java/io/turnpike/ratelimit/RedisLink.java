package io.turnpike.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.turnpike.core.SharedRedis;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one connection to Redis (Lettuce, async, pipelined by nature), and whether Redis
 * is up. Calls fail fast while it is down; a probe every half second notices when it is back. A
 * call that fails or times out marks Redis down, so the next calls go to the fallback at once.
 */
final class RedisLink implements SharedRedis, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
    private static final long PROBE_MILLIS = 500;

    /** A script beside this class (the rate limiters' scripts). */
    static Script script(String name) {
        return Script.load(RedisLink.class, name);
    }

    private final String where;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService probe;
    private final Runnable onChange;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean up;
    private volatile boolean closed;
    private volatile boolean connecting;
    private volatile boolean toldUnreachable;
    private final java.util.concurrent.atomic.AtomicBoolean flushScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private final RedisURI uri;

    /**
     * @param loops    the gateway's event loops (epoll) for the connection's I/O, or null for threads of its own
     * @param onChange told (on a Redis or probe thread) each time Redis goes down or comes back
     */
    RedisLink(String uri, Duration timeout, io.netty.channel.EventLoopGroup loops, Runnable onChange) {
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(timeout);
        this.uri = u;
        this.where = u.getHost() + ":" + u.getPort(); // never the password
        this.onChange = onChange;
        DefaultClientResources.Builder res = DefaultClientResources.builder()
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
        if (loops != null) {
            res.eventLoopGroupProvider(new SharedLoops(loops));
        } else {
            res.ioThreadPoolSize(2);
        }
        this.resources = res.build();
        this.client = RedisClient.create(resources, u);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                probeNow();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
                down("the connection closed");
            }
        });
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnpike-redis-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probeIfDown, 0, PROBE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public boolean up() {
        return up;
    }

    /**
     * Runs {@code script}; the stage completes on a Redis thread, and fails when Redis is down,
     * slow past the timeout, or answers an error (after which Redis counts as down).
     */
    @Override
    public CompletionStage<List<Object>> run(Script script, String[] keys, String... args) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !up) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis at " + where + " is down"));
        }
        CompletableFuture<List<Object>> out = new CompletableFuture<>();
        try {
            dispatch(c, script, keys, args, out);
        } finally {
            flushSoon(c);
        }
        return out;
    }

    private void dispatch(StatefulRedisConnection<String, String> c, Script script, String[] keys, String[] args,
                          CompletableFuture<List<Object>> out) {
        c.async().<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else if (e instanceof RedisNoScriptException || String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
                // Redis restarted (or was flushed) and forgot the script: EVAL loads it again.
                c.async().<List<Object>>eval(script.text(), ScriptOutputType.MULTI, keys, args).whenComplete((r2, e2) -> {
                    if (e2 == null) {
                        out.complete(r2);
                    } else {
                        failed(e2);
                        out.completeExceptionally(e2);
                    }
                });
                flushSoon(c);
            } else {
                failed(e);
                out.completeExceptionally(e);
            }
        });
    }

    /**
     * Commands are not flushed one by one: on an event loop, one flush goes out after the loop's
     * current batch of work, carrying the scripts of every call it read meanwhile (one write
     * instead of many); from any other thread, at once.
     */
    private void flushSoon(StatefulRedisConnection<String, String> c) {
        io.netty.util.concurrent.EventExecutor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        if (loop == null) {
            c.flushCommands();
        } else if (flushScheduled.compareAndSet(false, true)) {
            loop.execute(() -> {
                flushScheduled.set(false); // before flushing: a command queued after this schedules its own
                c.flushCommands();
            });
        }
    }

    private void failed(Throwable e) {
        down(e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private void down(String why) {
        if (closed || !up) return;
        up = false;
        toldUnreachable = true;
        log.warn("Redis at {} unreachable ({}): rate limits fall back until it is back", where, why);
        onChange.run();
    }

    private void probeIfDown() {
        if (!up && !closed) probeNow();
    }

    private void probeNow() {
        if (closed) return;
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            connect();
            return;
        }
        c.async().ping().whenComplete((pong, e) -> {
            if (e == null && !up && !closed) {
                up = true;
                log.info("Redis at {} reachable: rate limits are shared{}", where, toldUnreachable ? " again" : "");
                onChange.run();
            }
        });
        flushSoon(c);
    }

    private void connect() {
        if (connecting) return;
        connecting = true;
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((c, e) -> {
            connecting = false;
            if (e != null) {
                if (!toldUnreachable) {
                    toldUnreachable = true;
                    log.warn("Redis at {} unreachable ({}): rate limits fall back until it is reachable", where,
                            e.getMessage());
                    onChange.run();
                }
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            c.setAutoFlushCommands(false); // see flushSoon
            connection = c; // from here on Lettuce reconnects by itself
            probeNow();
        });
    }

    /** Closes the connection and waits (a second at most) until Lettuce has stopped using the event loops. Not on an event loop. */
    @Override
    public void close() {
        closed = true;
        up = false;
        probe.shutdownNow();
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        } catch (RuntimeException e) {
            log.debug("closing the Redis client: {}", e.toString());
        }
        resources.shutdown(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
