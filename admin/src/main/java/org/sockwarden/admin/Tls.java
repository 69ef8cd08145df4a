package org.sockwarden.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.ExpiryCheck;
import org.sockwarden.certs.TlsMaterial;
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.certs.Pem;
import org.sockwarden.proxy.identity.IpAddresses;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredCertificate;

/** The data directory's TLS material: the CA, the server certificate, a CA of somebody else to trust. */
final class Tls {
    static final String SERVER_CERT = "server.pem";
    static final String SERVER_KEY = "server-key.pem";
    static final String TRUSTED_CA = "trusted-ca.pem";
    static final Duration SERVER_VALIDITY = Duration.ofDays(825);

    private Tls() {}

    static CertificateAuthority ca(Path data) throws IOException {
        return CertificateAuthority.createOrLoad(data);
    }

    /** localhost, 127.0.0.1, ::1 and this host's name, plus what the operator named. */
    static IssuedCertificate issueServer(Path data, Store store, List<String> names, List<String> ips) throws IOException {
        Set<String> dns = new LinkedHashSet<>(List.of("localhost"));
        try {
            dns.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            // no host name: the others still work
        }
        dns.addAll(names);
        Set<InetAddress> addresses = new LinkedHashSet<>(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")));
        for (String ip : ips) {
            try {
                addresses.add(IpAddresses.parse(ip));
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--tls-ip " + e.getMessage());
            }
        }
        IssuedCertificate server = ca(data).issueServer(new ArrayList<>(dns), new ArrayList<>(addresses), SERVER_VALIDITY);
        // Recorded first, as every certificate: `cert list` and the expiry warnings know each one in use.
        record(store, server, "server", null);
        Pem.write(data.resolve(SERVER_KEY), Pem.privateKey(server.key()), "rw-------");
        Pem.write(data.resolve(SERVER_CERT), Pem.certificate(server.certificate()) + Pem.certificate(ca(data).certificate()), "rw-r--r--");
        return server;
    }

    static void record(Store store, IssuedCertificate cert, String kind, String client) {
        store.recordCertificate(new StoredCertificate(cert.serialHex(), kind, client, cert.fingerprint(),
                cert.certificate().getSubjectX500Principal().getName(), cert.certificate().getNotBefore().toInstant(), cert.notAfter(), null));
    }

    static KeyStore serverKeyStore(Path data) throws IOException {
        return TlsMaterial.keyStore(data.resolve(SERVER_CERT), data.resolve(SERVER_KEY));
    }

    /** The own CA's certificate and those of --trust-ca; read again on every policy change, so no key is loaded. */
    static List<X509Certificate> trustedCas(Path data) throws IOException {
        List<X509Certificate> cas = new ArrayList<>(Pem.readCertificates(data.resolve(CertificateAuthority.CERT_FILE)));
        if (Files.exists(data.resolve(TRUSTED_CA))) {
            cas.addAll(TlsMaterial.caCertificates(data.resolve(TRUSTED_CA)));
        }
        return cas;
    }

    /** Expired or expiring within {@link ExpiryCheck#WARNING_PERIOD}: warned about in the log and by status. */
    static boolean expiresSoon(Instant notAfter) {
        return ExpiryCheck.status(notAfter, java.time.Clock.systemUTC()) != ExpiryCheck.Status.VALID;
    }
}
