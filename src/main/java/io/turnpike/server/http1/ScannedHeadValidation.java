package io.turnpike.server.http1;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * The name and value checks of one connection's request headers: Netty's own, except while the
 * decoder adds the fields of a head whose bytes {@link HeadScanner} already found clean (then
 * each check could only pass, and a header name or value would be walked a second time for
 * nothing). Everything else that writes these headers later (routing, policies, forwarding) is
 * checked as before.
 */
final class ScannedHeadValidation implements DefaultHeaders.NameValidator<CharSequence>,
        DefaultHeaders.ValueValidator<CharSequence> {
    private final DefaultHeaders.NameValidator<CharSequence> names;
    private final DefaultHeaders.ValueValidator<CharSequence> values;
    private boolean skip;

    private ScannedHeadValidation(DefaultHttpHeadersFactory validating) {
        this.names = validating.getNameValidator();
        this.values = validating.getValueValidator();
    }

    /**
     * A copy of {@code config} whose request headers check through the returned validation, or
     * null when the config's headers are not Netty's default kind (then it is left alone).
     */
    static ScannedHeadValidation of(HttpDecoderConfig config) {
        return config.getHeadersFactory() instanceof DefaultHttpHeadersFactory f ? new ScannedHeadValidation(f) : null;
    }

    HttpDecoderConfig applyTo(HttpDecoderConfig config) {
        DefaultHttpHeadersFactory f = (DefaultHttpHeadersFactory) config.getHeadersFactory();
        return config.clone().setHeadersFactory(f.withNameValidator(this).withValueValidator(this));
    }

    /** Only around the decoder's parse of a head the scanner found clean; never left on. */
    void skip(boolean skip) {
        this.skip = skip;
    }

    @Override
    public void validateName(CharSequence name) {
        if (!skip) names.validateName(name);
    }

    @Override
    public void validate(CharSequence value) {
        if (!skip) values.validate(value);
    }
}
