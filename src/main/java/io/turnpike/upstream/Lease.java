package io.turnpike.upstream;

import io.netty.channel.Channel;

/** Who waits for a pooled connection. Called on the pool's event loop. */
public interface Lease {
    /** @param reused true when the connection served an earlier request (it may have gone stale) */
    void onConnection(Channel channel, boolean reused);

    void onConnectFailure(Throwable cause);
}
