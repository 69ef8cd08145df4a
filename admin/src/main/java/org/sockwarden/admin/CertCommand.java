package org.sockwarden.admin;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cert", mixinStandardHelpOptions = true, description = "Client and server certificates of the built-in CA.",
        subcommands = {CertCommand.Issue.class, CertCommand.ListCerts.class, CertCommand.Revoke.class, CertCommand.RenewServer.class})
final class CertCommand {

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issue a client certificate into DIR as ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH layout; key 0600).")
    static final class Issue implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity (default: ${DEFAULT-VALUE}).")
        int days;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() throws Exception {
            if (days < 1 || days > 3650) {
                throw new Main.UsageException("--days must be between 1 and 3650");
            }
            Path data = dataDir.resolve();
            IssuedCertificate cert = StoreCommands.withStore(dataDir, s -> {
                s.client(name); // refuses an unknown client before anything is issued
                CertificateAuthority ca;
                try {
                    ca = Tls.ca(data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                IssuedCertificate c = ca.issueClient(name, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(days)));
                // Recorded before the key leaves this process: a certificate `cert revoke` cannot find must never exist.
                Tls.record(s, c, "client", name);
                try {
                    c.writeDockerLayout(out, ca.certificate());
                } catch (java.io.IOException | RuntimeException e) {
                    // Whatever part of it reached the disk is of no use from now on.
                    s.revokeCertificates(c.fingerprint(), "never handed out: " + e.getMessage());
                    throw new IllegalStateException("cannot write the certificate to " + out + " (" + e.getMessage()
                            + "); it was recorded and is revoked again, nothing was issued", e);
                }
                return c;
            });
            System.out.println("issued " + name + ": serial " + cert.serialHex() + ", sha256 " + cert.fingerprint() + ", valid until "
                    + cert.notAfter() + "\n  DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=" + out.toAbsolutePath() + " docker -H tcp://HOST:PORT ps");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Certificates issued: serial, fingerprint, not-after, revoked.")
    static final class ListCerts implements Callable<Integer> {
        @Option(names = "--client", paramLabel = "NAME")
        String client;

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() {
            Snapshot snapshot = StoreCommands.withStore(dataDir, s -> s.snapshot());
            List<StoredCertificate> certs = snapshot.certificates().stream().filter(c -> client == null || client.equals(c.client())).toList();
            // Revoked certificates of other CAs belong to no client sockwarden knows of; listed when no client is asked for.
            List<Snapshot.RevokedFingerprint> external = client == null ? snapshot.revokedFingerprints() : List.of();
            if (json) {
                System.out.println(Json.pretty(g -> {
                    g.writeStartArray();
                    for (StoredCertificate c : certs) {
                        g.writeStartObject();
                        g.writeStringField("serial", c.serial());
                        g.writeStringField("kind", c.kind());
                        Json.field(g, "client", c.client());
                        g.writeStringField("fingerprint", c.fingerprint());
                        g.writeStringField("not_after", c.notAfter().toString());
                        Json.field(g, "revoked_at", c.revokedAt() == null ? null : c.revokedAt().toString());
                        g.writeBooleanField("expires_soon", Tls.expiresSoon(c.notAfter()));
                        g.writeEndObject();
                    }
                    for (Snapshot.RevokedFingerprint r : external) {
                        g.writeStartObject();
                        g.writeStringField("kind", "external");
                        g.writeStringField("fingerprint", r.fingerprint());
                        g.writeStringField("revoked_at", r.revokedAt().toString());
                        Json.field(g, "reason", r.reason());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }));
            } else {
                for (StoredCertificate c : certs) {
                    System.out.println(c.kind() + "\t" + (c.client() == null ? "-" : c.client()) + "\t" + c.serial() + "\t" + c.fingerprint()
                            + "\tnot after " + c.notAfter() + (c.revokedAt() != null ? "\tREVOKED " + c.revokedAt()
                            : Tls.expiresSoon(c.notAfter()) ? "\tEXPIRES WITHIN 14 DAYS" : ""));
                }
                for (Snapshot.RevokedFingerprint r : external) {
                    System.out.println("external\t-\t-\t" + r.fingerprint() + "\t-\tREVOKED " + r.revokedAt());
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a client's certificates (by client name), or one by serial or SHA-256 fingerprint;",
                    "a fingerprint of a certificate sockwarden did not issue (a mapped one of another CA) revokes that one alone.",
                    "A running proxy refuses new handshakes at once and closes its open streams within a second."})
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "NAME|SERIAL|FINGERPRINT")
        String what;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() {
            String fingerprint = Fingerprints.normalize(what);
            boolean external = fingerprint.matches("[0-9a-f]{64}") && StoreCommands.withStore(dataDir,
                    s -> s.certificates(null).stream().noneMatch(c -> c.fingerprint().equals(fingerprint)));
            if (external) {
                boolean now = StoreCommands.withStore(dataDir, s -> s.revokeFingerprint(fingerprint, "revoked by fingerprint"));
                System.out.println((now ? "revoked" : "already revoked:") + " certificate sha256 " + fingerprint
                        + " (not issued by sockwarden: whatever mapping it matches, it identifies no client)");
                return 0;
            }
            List<StoredCertificate> revoked = StoreCommands.withStore(dataDir, s -> s.revokeCertificates(what));
            for (StoredCertificate c : revoked) {
                System.out.println("revoked " + c.client() + " serial " + c.serial() + " sha256 " + c.fingerprint());
            }
            return 0;
        }
    }

    @Command(name = "renew-server", mixinStandardHelpOptions = true,
            description = "Issue a new server certificate; a running proxy uses it for new handshakes within a second.")
    static final class RenewServer implements Callable<Integer> {
        @Option(names = "--tls-name", paramLabel = "DNS") List<String> names = new ArrayList<>();

        @Option(names = "--tls-ip", paramLabel = "IP") List<String> ips = new ArrayList<>();

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() {
            IssuedCertificate server = StoreCommands.withStore(dataDir, s -> {
                try {
                    return Tls.issueServer(dataDir.resolve(), s, names, ips);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            System.out.println("new server certificate sha256 " + server.fingerprint() + ", valid until " + server.notAfter());
            return 0;
        }
    }
}
