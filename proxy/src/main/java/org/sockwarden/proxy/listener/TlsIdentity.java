package org.sockwarden.proxy.listener;

import java.security.cert.X509Certificate;
import java.util.List;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.sockwarden.proxy.identity.Identity;

/** The client certificate of a TLS connection, read once per connection. */
final class TlsIdentity {
    private static final String ATTRIBUTE = "sockwarden.tlsIdentity";

    private TlsIdentity() {}

    static Identity.Certificate of(Request request) {
        Object cached = request.getConnectionMetaData().getAttribute(ATTRIBUTE);
        if (cached instanceof Identity.Certificate id) {
            return id;
        }
        EndPoint.SslSessionData ssl = request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
        X509Certificate[] chain = ssl == null ? null : ssl.peerCertificates();
        Identity.Certificate id = chain == null || chain.length == 0 ? null : new Identity.Certificate(List.of(chain));
        if (id != null) {
            request.getConnectionMetaData().setAttribute(ATTRIBUTE, id);
        }
        return id;
    }
}
