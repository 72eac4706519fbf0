package io.turnpike.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.util.HashMap;
import java.util.Map;

/**
 * The upstream connection pools of one event loop, one {@link NodePool} per node. Requests accepted
 * on this loop are forwarded on connections of this loop, so a request never changes thread.
 */
public final class LoopPool {
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final UpstreamPipeline pipeline;
    private final Map<Node, NodePool> pools = new HashMap<>();

    LoopPool(EventLoop loop, Class<? extends SocketChannel> channelClass, UpstreamPipeline pipeline) {
        this.loop = loop;
        this.pipeline = pipeline;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    /** The pool for a node; created on first use. Call on this loop only. */
    public NodePool pool(Node node) {
        NodePool p = pools.get(node);
        if (p == null) {
            p = new NodePool(loop, bootstrap, node);
            p.pipeline(pipeline);
            pools.put(node, p);
        }
        return p;
    }

    /** Forgets pools of nodes that left the config once they hold no connection. */
    void prune(java.util.Set<Node> live) {
        pools.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) return false;
            e.getValue().closeIdle();
            return e.getValue().open() <= 0;
        });
    }

    void closeIdle() {
        pools.values().forEach(NodePool::closeIdle);
    }
}
