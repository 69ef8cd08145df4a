package org.sockwarden.proxy.listener;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

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
        TlsIdentity id = chain == null || chain.length == 0 ? null : new TlsIdentity(fingerprint(chain[0]), chain[0]);
        if (id != null) {
            request.getConnectionMetaData().setAttribute(ATTRIBUTE, id);
        }
        return id;
    }

    static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
