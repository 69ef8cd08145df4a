package org.sockwarden.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.policy.Presets;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;

/**
 * The per-request decision without any I/O: identity lookup (listener → client in a directory
 * of 50 clients), canonical form, catalog match and permission check. Run with
 * {@code -prof gc} for allocation per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecisionBenchmark {

    @Param({"/_ping", "/v1.41/containers/json", "/v1.41/containers/3f2a9c1b7d4e/json",
            "/v1.41/images/ghcr.io%2Fexample%2Fapp:1.2.3/json", "/v1.41/networks"})
    public String path;

    private Directory directory;
    private String listener;
    private Directory tlsDirectory;
    private Identity.Certificate certificate;

    @Setup
    public void setUp() {
        List<ClientConfig> clients = new ArrayList<>();
        List<Presets.Preset> presets = Presets.all();
        for (int i = 0; i < 50; i++) {
            Presets.Preset p = presets.get(i % presets.size());
            clients.add(new ClientConfig(new Client("client" + i, p.permissionSet(), Client.GrantAdvice.CLI),
                    List.of(new ListenerAddress.Tcp("127.0.0.1", 30000 + i)), List.of(), Set.of()));
        }
        directory = new Directory(1, clients);
        listener = new ListenerAddress.Tcp("127.0.0.1", 30000).key(); // traefik's preset

        // The same clients on the mutual-TLS listener, each by its issued certificate's fingerprint.
        try {
            CertificateAuthority ca = CertificateAuthority.createOrLoad(Files.createTempDirectory("sw-bench-ca"));
            List<ClientConfig> byCertificate = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                IssuedCertificate issued = ca.issueClient("client" + i, Duration.ofHours(1));
                Presets.Preset p = presets.get(i % presets.size());
                byCertificate.add(new ClientConfig(new Client("client" + i, p.permissionSet(), Client.GrantAdvice.CLI), List.of(), List.of(),
                        Set.of(), Set.of(issued.fingerprint()), List.of(), List.of()));
                if (i == 0) {
                    certificate = new Identity.Certificate(List.of(issued.certificate()));
                }
            }
            tlsDirectory = new Directory(1, byCertificate, Map.of(), List.of(ca.certificate()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What a kept-alive TLS connection asks for each request: its certificate's client, decided
     * once per directory (chain validated, mappings matched) and remembered by fingerprint.
     */
    @Benchmark
    public String certificateIdentity() {
        return tlsDirectory.resolve(certificate).name();
    }

    @Benchmark
    public String identityLookup() {
        return directory.byListener(listener).name();
    }

    @Benchmark
    public CanonicalRequest canonicalize() throws Canonicalizer.RejectedRequestException {
        return Canonicalizer.canonicalize("GET", path);
    }

    @Benchmark
    public Operation catalogMatch() throws Canonicalizer.RejectedRequestException {
        return DockerApi.match("GET", path.startsWith("/v1.41") ? path.substring(6) : path);
    }

    /** Everything the handler decides before it forwards or refuses. */
    @Benchmark
    public String decision() throws Canonicalizer.RejectedRequestException {
        ClientConfig c = directory.byListener(listener);
        CanonicalRequest r = Canonicalizer.canonicalize("GET", path);
        Operation op = DockerApi.match("GET", r.path());
        String by = op == null ? null : c.client().permissions().grantedBy(op);
        return by == null ? "deny" : by;
    }
}
