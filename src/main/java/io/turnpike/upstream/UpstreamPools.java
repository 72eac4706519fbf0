package io.turnpike.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/** All upstream pools of a gateway: one {@link LoopPool} per event loop, fixed at start. */
public final class UpstreamPools {
    private final Map<EventLoop, LoopPool> byLoop = new IdentityHashMap<>();

    public UpstreamPools(EventLoopGroup group, Class<? extends SocketChannel> channelClass, UpstreamPipeline pipeline) {
        for (EventExecutor e : group) {
            EventLoop loop = (EventLoop) e;
            byLoop.put(loop, new LoopPool(loop, channelClass, pipeline));
        }
    }

    /** The pools of the given loop (the loop of the client connection). */
    public LoopPool of(EventLoop loop) {
        return byLoop.get(loop);
    }

    /** After a reload: each loop drops the pools of nodes that are gone (on its own thread). */
    public void prune(Set<Node> live) {
        byLoop.forEach((loop, pool) -> loop.execute(() -> pool.prune(live)));
    }

    public void closeIdle() {
        byLoop.forEach((loop, pool) -> loop.execute(pool::closeIdle));
    }
}
