package org.sockwarden.proxy.identity;

import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;

/**
 * A client certificate whose subject is exactly {@code subject} (its DER bytes, as hex) and which
 * {@code ca} signed identifies the mapping's client. Both halves count: any trusted CA can write
 * any subject.
 */
public record SubjectMapping(String subject, X509Certificate ca) {

    public SubjectMapping(byte[] subjectDer, X509Certificate ca) {
        this(HexFormat.of().formatHex(subjectDer), ca);
    }

    /** The subject as it reads (RFC 2253), for messages. */
    private String subjectText() {
        return new X500Principal(HexFormat.of().parseHex(subject)).getName();
    }

    /** Two mappings that one certificate could satisfy have the same key: same subject bytes, same signing key. */
    String key() {
        return subject + "/" + HexFormat.of().formatHex(ca.getPublicKey().getEncoded());
    }

    @Override
    public String toString() {
        return "subject " + subjectText() + " signed by " + ca.getSubjectX500Principal().getName();
    }
}
