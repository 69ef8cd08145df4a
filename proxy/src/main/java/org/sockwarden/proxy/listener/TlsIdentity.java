package org.sockwarden.proxy.listener;

import java.security.cert.X509Certificate;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.sockwarden.certs.Fingerprints;

/** The client certificate of a TLS connection, read once per connection. */
record TlsIdentity(String fingerprint, X509Certificate certificate) {
    private static final String ATTRIBUTE = "sockwarden.tlsIdentity";

    static TlsIdentity of(Request request) {
        Object cached = request.getConnectionMetaData().getAttribute(ATTRIBUTE);
        if (cached instanceof TlsIdentity id) {
            return id;
        }
        EndPoint.SslSessionData ssl = request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
        X509Certificate[] chain = ssl == null ? null : ssl.peerCertificates();
        TlsIdentity id = chain == null || chain.length == 0 ? null : new TlsIdentity(Fingerprints.sha256(chain[0]), chain[0]);
        if (id != null) {
            request.getConnectionMetaData().setAttribute(ATTRIBUTE, id);
        }
        return id;
    }
}
