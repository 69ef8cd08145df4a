package org.sockwarden.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.DistinguishedNames;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.policy.PermissionSet;

/** A directory is built from whatever it is given, never throws, and serves nothing it cannot apply. */
class DirectoryTest {

    @TempDir
    Path dir;

    private static ClientConfig client(String name, List<ListenerAddress> listeners, Set<String> fingerprints, List<SubjectMapping> subjects,
                                       List<String> problems) {
        return new ClientConfig(new Client(name, PermissionSet.parse(List.of("CONTAINERS")), Client.GrantAdvice.CLI), listeners, List.of(),
                Set.of(), fingerprints, subjects, problems);
    }

    private static ClientConfig listening(String name, String hostPort) {
        return client(name, List.of(ListenerAddress.Tcp.parse(hostPort)), Set.of(), List.of(), List.of());
    }

    @Test
    void clientsOfACollisionAndClientsWithProblemsAreServedNothingAndTheRestIs() {
        Directory d = new Directory(7, List.of(listening("a", "127.0.0.1:2380"), listening("b", "127.0.0.1:02380"),
                listening("c", "127.0.0.1:2381"),
                client("d", List.of(ListenerAddress.Tcp.parse("127.0.0.1:2382")), Set.of(), List.of(), List.of("stored grant X is unknown")),
                listening("c", "127.0.0.1:2383")));
        assertThat(d.problems()).extracting(Directory.Problem::client).containsExactlyInAnyOrder("a", "b", "c", "d", "c");
        assertThat(d.problems()).contains(new Directory.Problem("a", "port 127.0.0.1:2380 is also the listener of client \"b\""),
                new Directory.Problem("d", "stored grant X is unknown"), new Directory.Problem("c", "another client is also named \"c\""));
        for (String key : List.of("127.0.0.1:2380", "127.0.0.1:2381", "127.0.0.1:2382", "127.0.0.1:2383")) {
            Identity id = new Identity.Listener(key);
            assertThat(d.resolve(id)).as(key).isNull();
            assertThat(d.whyNot(id)).contains("is refused everything until its stored policy can be applied");
            // Still a listener, so its caller hears why; with no permission at all.
            assertThat(d.listeners()).containsKey(key);
            assertThat(d.byListener(key).client().permissions().allows(Operation.CONTAINERS_LIST)).isFalse();
        }
        assertThat(d.byName("a").applies()).isFalse();

        Directory fine = new Directory(8, List.of(listening("a", "127.0.0.1:2380"), listening("c", "127.0.0.1:2381")));
        assertThat(fine.problems()).isEmpty();
        assertThat(fine.resolve(new Identity.Listener("127.0.0.1:2381")).name()).isEqualTo("c");
        assertThat(fine.whyNot(new Identity.Listener("127.0.0.1:9"))).isEqualTo("no client is configured for listener 127.0.0.1:9");
    }

    @Test
    void aCertificateIsItsClientOnlyIfOneMappingMatchesAndItChainsToATrustedCa() throws Exception {
        CertificateAuthority own = CertificateAuthority.createOrLoad(dir.resolve("own"));
        CertificateAuthority other = CertificateAuthority.createOrLoad(dir.resolve("other"));
        IssuedCertificate issued = own.issueClient("vidar", Duration.ofHours(1));
        Identity.Certificate vidar = new Identity.Certificate(List.of(issued.certificate()));
        ClientConfig vidarConfig = client("vidar", List.of(), Set.of(issued.fingerprint()), List.of(), List.of());
        List<X509Certificate> cas = List.of(own.certificate(), other.certificate());

        Directory d = new Directory(1, List.of(vidarConfig), Map.of(), cas);
        assertThat(d.resolve(vidar)).isSameAs(d.byName("vidar"));
        assertThat(d.resolve(vidar)).as("remembered").isSameAs(d.byName("vidar"));

        // Revoked, or its CA not trusted in this directory.
        assertThat(new Directory(2, List.of(vidarConfig), Map.of(issued.fingerprint(), "revoked: at noon"), cas).whyNot(vidar))
                .isEqualTo("revoked: at noon");
        Directory otherOnly = new Directory(3, List.of(vidarConfig), Map.of(), List.of(other.certificate()));
        assertThat(otherOnly.resolve(vidar)).isNull();
        assertThat(otherOnly.whyNot(vidar)).endsWith("does not chain to a CA this proxy trusts");

        // A subject mapping matches only the exact subject signed by the CA it names.
        SubjectMapping ci = new SubjectMapping(DistinguishedNames.encode("CN=ci,O=sockwarden"), other.certificate());
        ClientConfig ciConfig = client("ci", List.of(), Set.of(), List.of(ci), List.of());
        Directory mapped = new Directory(4, List.of(vidarConfig, ciConfig), Map.of(), cas);
        Identity.Certificate ofOther = new Identity.Certificate(List.of(other.issueClient("ci", Duration.ofHours(1)).certificate()));
        Identity.Certificate ofOwn = new Identity.Certificate(List.of(own.issueClient("ci", Duration.ofHours(1)).certificate()));
        Identity.Certificate upper = new Identity.Certificate(List.of(other.issueClient("CI", Duration.ofHours(1)).certificate()));
        assertThat(mapped.resolve(ofOther).name()).isEqualTo("ci");
        assertThat(mapped.resolve(ofOwn)).isNull();
        assertThat(mapped.whyNot(ofOwn)).endsWith("(CN=ci,O=sockwarden) is not issued or mapped to any client");
        assertThat(mapped.resolve(upper)).isNull();

        // Two mappings one certificate satisfies: neither client gets it.
        SubjectMapping vidarsSubject = new SubjectMapping(DistinguishedNames.encode("CN=vidar,O=sockwarden"), own.certificate());
        Directory ambiguous = new Directory(5, List.of(vidarConfig, client("thief", List.of(), Set.of(), List.of(vidarsSubject), List.of())),
                Map.of(), cas);
        assertThat(ambiguous.resolve(vidar)).isNull();
        assertThat(ambiguous.whyNot(vidar)).contains("matches more than one client (\"vidar\" by fingerprint, \"thief\" by its subject");

        // One subject of one CA mapped to two clients: both are served nothing.
        Directory twice = new Directory(6, List.of(ciConfig, client("ci2", List.of(), Set.of(), List.of(
                new SubjectMapping(DistinguishedNames.encode("CN=ci, O=sockwarden"), other.certificate())), List.of())), Map.of(), cas);
        assertThat(twice.problems()).extracting(Directory.Problem::client).containsExactlyInAnyOrder("ci", "ci2");
        assertThat(twice.resolve(ofOther)).isNull();
        assertThat(twice.whyNot(ofOther)).contains("matches more than one client (\"ci\" by its subject");
    }

    @Test
    void anExpiredCertificateIsNoClientsAndSaysWhen() throws Exception {
        CertificateAuthority own = CertificateAuthority.createOrLoad(dir.resolve("own"));
        IssuedCertificate expired = own.issueClient("vidar", Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
        Identity.Certificate id = new Identity.Certificate(List.of(expired.certificate()));
        Directory d = new Directory(1, List.of(client("vidar", List.of(), Set.of(Fingerprints.sha256(expired.certificate())), List.of(), List.of())),
                Map.of(), List.of(own.certificate()));
        assertThat(d.resolve(id)).isNull();
        assertThat(d.whyNot(id)).startsWith("expired at " + expired.notAfter());
    }
}
