package io.turnpike.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnpike.server.Gateway;
import io.turnpike.tls.EdgeCertificates;
import java.time.Instant;

/** {@code GET /admin/certificates}: what the TLS listener serves now, after any reload. */
final class CertificatesApi {
    private final Gateway gateway;

    CertificatesApi(Gateway gateway) {
        this.gateway = gateway;
    }

    AdminReply list() {
        ObjectNode body = AdminReply.JSON.createObjectNode();
        ArrayNode out = body.putArray("certificates");
        EdgeCertificates certs = gateway.certificates();
        if (certs == null) return AdminReply.ok(body);
        long now = Instant.now().getEpochSecond();
        for (EdgeCertificates.Served c : certs.served()) {
            ObjectNode o = out.addObject();
            o.put("index", c.index());
            o.put("cert", c.label());
            o.put("subject", c.subject());
            ArrayNode names = o.putArray("names");
            c.names().forEach(names::add);
            o.put("notAfter", c.notAfter().toString());
            o.put("expiresInSeconds", c.notAfter().getEpochSecond() - now);
            o.put("sha256", c.sha256());
            o.put("serial", c.serial());
            o.put("default", c.isDefault());
        }
        return AdminReply.ok(body);
    }
}
