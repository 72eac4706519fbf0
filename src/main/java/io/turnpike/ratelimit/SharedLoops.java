package io.turnpike.ratelimit;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lets Lettuce run its Redis connection on one of the gateway's own event loops: a script's reply
 * is read, and its call resumed, on a loop that serves requests, with no hand-off between threads
 * (with one event loop, none at all). The gateway owns the loops: Lettuce never shuts them down.
 */
final class SharedLoops implements EventLoopGroupProvider {
    private final EventLoopGroup loops;

    SharedLoops(EventLoopGroup loops) {
        this.loops = loops;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        if (!type.isInstance(loops)) {
            throw new IllegalStateException("Redis wants a " + type.getName() + ", the gateway runs " + loops.getClass().getName());
        }
        return (T) loops;
    }

    @Override
    public int threadPoolSize() {
        int n = 0;
        for (var ignored : loops) n++;
        return n;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
}
