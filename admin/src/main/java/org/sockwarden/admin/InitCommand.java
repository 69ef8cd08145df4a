package org.sockwarden.admin;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.Pem;
import org.sockwarden.certs.TlsMaterial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create the data directory, its database and the local CA (safe to run again; serve does it on first start too).")
final class InitCommand implements Callable<Integer> {
    /** The setting that lists the SHA-256 fingerprints of the CAs trusted with --trust-ca, comma-separated. */
    static final String TRUSTED_CAS = "trusted_cas";

    @Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--trust-ca", paramLabel = "FILE",
            description = "Also accept client certificates of this CA (PEM); map them with client add --cert-subject/--cert-fingerprint.")
    Path trustCa;

    @Override
    public Integer call() throws Exception {
        Path data = dataDir.resolve();
        String file = StoreCommands.withStore(dataDir, s -> s.file().toString());
        Tls.ca(data);
        if (trustCa != null) {
            // Checked before anything is written, so a wrong file leaves the trusted CAs as they were. Only
            // the certificates are kept: a bundle may also hold the CA's key, which has no place here.
            List<X509Certificate> cas = TlsMaterial.caCertificates(trustCa);
            StringBuilder pem = new StringBuilder();
            cas.forEach(c -> pem.append(Pem.certificate(c)));
            Pem.write(data.resolve(Tls.TRUSTED_CA), pem.toString(), "rw-r--r--");
            // What a subject mapping may name (--cert-ca). Writing it is also a new policy version, which a
            // running proxy watches for: it then reloads the trusted CAs.
            String fingerprints = cas.stream().map(Fingerprints::sha256).collect(Collectors.joining(","));
            StoreCommands.withStore(dataDir, s -> {
                s.putSetting(TRUSTED_CAS, fingerprints);
                return null;
            });
            System.out.println("trusting " + cas.size() + " CA certificate(s) from " + trustCa + "; name one in a subject mapping with"
                    + " `sockwarden client add NAME --cert-subject DN --cert-ca SHA256`:");
            cas.forEach(c -> System.out.println("  sha256 " + Fingerprints.sha256(c) + " " + c.getSubjectX500Principal().getName()));
        }
        System.out.println("sockwarden data in " + data + " (database " + file + ", CA " + data.resolve("ca.pem") + ")");
        return 0;
    }
}
