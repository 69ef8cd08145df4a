package org.sockwarden.certs;

import java.io.IOException;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Distinguished names as the bytes a certificate carries. A subject mapping compares a
 * certificate's subject with these bytes, exactly: no case folding, no Unicode normalisation, no
 * choice between string types. ({@link X500Principal#CANONICAL} does all three, so {@code CN=ci}
 * matched {@code CN=CI}, {@code CN=ｃｉ} and {@code CN=cı}.)
 */
public final class DistinguishedNames {
    private DistinguishedNames() {}

    /**
     * The DER encoding of {@code name}, written as {@code openssl -nameopt RFC2253} and Java print
     * it: most specific part first ({@code CN=ci,O=example}), so the encoding lists {@code O} before
     * {@code CN}. Values are encoded as RFC 5280 asks of CAs, and as OpenSSL and BouncyCastle do:
     * {@code UTF8String}, except PrintableString for {@code C}, {@code serialNumber} and
     * {@code dnQualifier} and IA5String for {@code emailAddress} and {@code DC}. A value written
     * {@code #hex} is that DER, as it is: the way to name a subject of a CA that encodes otherwise
     * (Go's crypto/x509 writes PrintableString when it can: {@code CN=#13026369} is PrintableString "ci").
     *
     * @throws IllegalArgumentException when {@code name} is not a distinguished name
     */
    public static byte[] encode(String name) {
        byte[] der;
        X500Principal java;
        try {
            RDN[] written = BCStyle.INSTANCE.fromString(name);
            RDN[] encoded = new RDN[written.length];
            for (int i = 0; i < written.length; i++) {
                encoded[written.length - 1 - i] = written[i];
            }
            der = new X500Name(BCStyle.INSTANCE, encoded).getEncoded(ASN1Encoding.DER);
            java = new X500Principal(name);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a distinguished name: \"" + name + "\" (write e.g. CN=ci,O=example)", e);
        }
        if (java.getEncoded().length <= 2) {
            throw new IllegalArgumentException("an empty distinguished name would name every certificate without a subject: \"" + name + "\"");
        }
        // The JDK reads a few spellings another way (";" separates parts for it, not for BouncyCastle): a
        // name two parsers read differently is refused rather than encoded as one of them.
        if (!new X500Principal(der).getName(X500Principal.CANONICAL).equals(java.getName(X500Principal.CANONICAL))) {
            throw new IllegalArgumentException("\"" + name + "\" can be read in more than one way: write its parts separated by commas,"
                    + " with , + \" \\ < > ; escaped by a backslash (RFC 4514)");
        }
        return der;
    }
}
