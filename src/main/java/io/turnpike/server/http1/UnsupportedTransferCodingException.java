package io.turnpike.server.http1;

import io.netty.handler.codec.DecoderException;

/**
 * A request framed with a transfer coding the gateway does not implement (anything before the
 * final {@code chunked}, such as {@code gzip, chunked}); the client gets 501 (RFC 9112 6.1).
 */
public final class UnsupportedTransferCodingException extends DecoderException {
    public UnsupportedTransferCodingException(String message) {
        super(message);
    }
}
