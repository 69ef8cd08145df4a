package org.sockwarden.admin;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.Pem;

/**
 * Client certificates with any subject, as another CA (or a careless one) would issue them, signed
 * with the key of a CA directory of {@link CertificateAuthority}'s layout; and a TLS client in
 * Python that presents one to the proxy.
 */
final class TestCertificates {
    private TestCertificates() {}

    /**
     * Writes {@code out}/cert.pem and key.pem for {@code subject} (DER exactly as given) signed by the CA
     * in {@code caDir}, and {@code out}/ca.pem holding {@code serverCa}, by which the client checks the proxy.
     */
    static X509Certificate issue(Path caDir, X500Name subject, Path out, Path serverCa) throws Exception {
        X509Certificate ca = Pem.readCertificates(caDir.resolve(CertificateAuthority.CERT_FILE)).get(0);
        PrivateKey caKey = Pem.readPrivateKey(caDir.resolve(CertificateAuthority.KEY_FILE));
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(ca, new BigInteger(64, new java.security.SecureRandom()).add(BigInteger.ONE),
                        Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofHours(1))), subject, pair.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
        Files.createDirectories(out);
        Pem.write(out.resolve("key.pem"), Pem.privateKey(pair.getPrivate()), "rw-------");
        Pem.write(out.resolve("cert.pem"), Pem.certificate(cert), "rw-r--r--");
        Files.copy(serverCa, out.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return cert;
    }

    /**
     * GET /_ping over mutual TLS with the certificate in {@code certs}: "200" (or another status), or
     * "refused: ..." when the proxy ends the handshake or the connection.
     */
    static String ping(int port, Path certs) throws Exception {
        String script = "import ssl, sys, http.client\n"
                + "ctx = ssl.create_default_context(cafile=sys.argv[2] + '/ca.pem')\n"
                + "ctx.load_cert_chain(sys.argv[2] + '/cert.pem', sys.argv[2] + '/key.pem')\n"
                + "try:\n"
                + "    c = http.client.HTTPSConnection('127.0.0.1', int(sys.argv[1]), context=ctx, timeout=30)\n"
                + "    c.request('GET', '/_ping')\n"
                + "    r = c.getresponse()\n"
                + "    print(r.status, r.read().decode())\n"
                + "except (ssl.SSLError, ConnectionError, http.client.HTTPException) as e:\n"
                + "    print('refused:', e)\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, String.valueOf(port), certs.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the TLS client did not end within 60 s");
        }
        return out;
    }
}
