package io.turnpike.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.turnpike.core.Problems;
import io.turnpike.route.RequestPath;
import io.turnpike.server.http1.UnsupportedTransferCodingException;
import io.turnpike.server.http1.UnsupportedVersionException;

/**
 * What a request head must be before it is routed: a target the router can take, and one Host
 * that is an authority. An absolute-form target's authority replaces Host (RFC 9112 3.2.2), for
 * routing and for the service.
 *
 * @param path the normalised path (the raw target when it is refused)
 * @param refusal why the head is refused (400), or null
 */
record HeadCheck(RequestPath target, String path, String host, String refusal) {
    static HeadCheck of(HttpRequest request) {
        RequestPath target = RequestPath.parse(request.uri());
        if (!target.isValid()) return new HeadCheck(target, request.uri(), null, target.rejection());
        String host = Forwarding.host(request.headers());
        if (host == null) return refused(target, "a request may carry one Host header, not several");
        if (target.authority() != null) {
            host = target.authority();
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        if (host.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return refused(target, "an HTTP/1.1 request needs exactly one Host header");
        }
        if (!host.isEmpty() && !Forwarding.validAuthority(host)) {
            return refused(target, "Host is not a valid authority (host or [IPv6], with an optional :port)");
        }
        return new HeadCheck(target, target.path(), host, null);
    }

    private static HeadCheck refused(RequestPath target, String why) {
        return new HeadCheck(target, target.path(), null, why);
    }

    /**
     * A head or body the decoder could not parse: 414 or 431 for what was too long, 501 for a transfer
     * coding, 505 for an HTTP major version other than 1, else 400.
     */
    static Problems.Kind kindOf(Throwable decoderFailure) {
        return decoderFailure instanceof TooLongHttpLineException ? Problems.Kind.URI_TOO_LONG
                : decoderFailure instanceof TooLongHttpHeaderException ? Problems.Kind.HEADERS_TOO_LARGE
                : decoderFailure instanceof UnsupportedTransferCodingException ? Problems.Kind.TRANSFER_CODING_NOT_IMPLEMENTED
                : decoderFailure instanceof UnsupportedVersionException ? Problems.Kind.VERSION_NOT_SUPPORTED
                : Problems.Kind.MALFORMED;
    }
}
