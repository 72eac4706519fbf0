package io.turnpike.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.turnpike.tls.EdgeCertificates;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code turnpike_tls_certificate_expiry_seconds{cert=...}}: seconds until each served
 * certificate's notAfter (negative once expired). The set of certificates is read again before
 * each scrape, so a reloaded or renamed certificate shows as it is served now.
 */
final class CertificateMeters {
    private final MultiGauge expiry;
    private volatile Supplier<List<EdgeCertificates.Served>> certificates = List::of;

    CertificateMeters(MeterRegistry registry) {
        this.expiry = MultiGauge.builder("turnpike.tls.certificate.expiry")
                .description("Seconds until the certificate's notAfter, per served certificate")
                .baseUnit("seconds")
                .register(registry);
    }

    void follow(Supplier<List<EdgeCertificates.Served>> served) {
        this.certificates = served;
        refresh();
    }

    void refresh() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (EdgeCertificates.Served c : certificates.get()) {
            rows.add(MultiGauge.Row.of(Tags.of("cert", c.label()), c,
                    x -> (x.notAfter().toEpochMilli() - System.currentTimeMillis()) / 1000.0));
        }
        expiry.register(rows, true);
    }
}
