package io.turnpike.upstream;

import io.netty.channel.Channel;

/** Sets up a new upstream connection's pipeline; the proxy supplies it. */
@FunctionalInterface
public interface UpstreamPipeline {
    void init(Channel channel, NodePool owner);
}
