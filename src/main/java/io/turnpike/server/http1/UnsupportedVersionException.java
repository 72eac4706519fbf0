package io.turnpike.server.http1;

import io.netty.handler.codec.DecoderException;

/**
 * A request line naming an HTTP major version other than 1 ({@code HTTP/2.0} sent as text, {@code HTTP/0.9}):
 * the client gets 505 (RFC 9110 15.6.6), as from nginx. A higher minor version ({@code HTTP/1.2}) is
 * taken as HTTP/1.1 (RFC 9110 2.5).
 */
public final class UnsupportedVersionException extends DecoderException {
    public UnsupportedVersionException(String message) {
        super(message);
    }
}
