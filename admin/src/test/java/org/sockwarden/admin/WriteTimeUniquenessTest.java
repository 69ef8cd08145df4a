package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.Store;

/**
 * The CLI refuses, with a clear message and exit 1, every change the proxy could not apply:
 * listeners, sockets, certificates and subject mappings are compared as the proxy reads them
 * (an address in its one spelling, a socket by its real location, a subject by its DER bytes),
 * also against what the running proxy has of its own.
 */
class WriteTimeUniquenessTest {

    @TempDir
    Path dir;

    private CliTest.Run add(Path data, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "client";
        all[1] = "add";
        System.arraycopy(args, 0, all, 2, args.length);
        all[args.length + 2] = "--data=" + data;
        return CliTest.run(all);
    }

    private static void refused(CliTest.Run run, String message) {
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains(message).contains("nothing was changed");
    }

    @Test
    void listenersAreComparedAsTheProxyBindsThem() throws Exception {
        Path data = dir.resolve("data");
        int p = freePort();
        int q = freePort();
        assertThat(add(data, "a", "--listen", "127.0.0.1:" + p).exit()).isZero();
        refused(add(data, "b", "--listen", "127.0.0.1:0" + p), "port 127.0.0.1:" + p + " is also the listener of client \"a\"");
        assertThat(add(data, "c", "--listen", "[::1]:" + q).exit()).isZero();
        refused(add(data, "d", "--listen", "::1:" + q), "port [::1]:" + q + " is also the listener of client \"c\"");
        refused(add(data, "e", "--listen", "[0:0:0:0:0:0:0:1]:" + q), "port [::1]:" + q + " is also the listener of client \"c\"");
        // client set is checked the same way, and a refusal changes nothing.
        CliTest.Run set = CliTest.run("client", "set", "c", "--listen", "127.0.0.1:" + p, "--data=" + data);
        refused(set, "port 127.0.0.1:" + p + " is also the listener of client \"a\"");
        assertThat(CliTest.run("client", "show", "c", "--data=" + data).out()).contains("listeners: [::1]:" + q);
        try (Store store = Store.open(data)) {
            assertThat(store.snapshot().clients()).extracting(c -> c.name()).containsExactly("a", "c");
        }
    }

    @Test
    void aRunningProxysOwnListenersAreNoClientsAndItsEngineSocketNoClientSocket() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "init")).isZero();
        int defaultPort = freePort();
        int tlsPort = freePort();
        Path log = dir.resolve("proxy.log");
        Process proxy = MultiClientTest.serve(log, "--listen", "127.0.0.1:" + defaultPort, "--tls-listen", "127.0.0.1:" + tlsPort,
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        try {
            await("listeners", () -> accepts(defaultPort) && accepts(tlsPort) && StatusFile.read(data).isPresent(), Duration.ofSeconds(30));
            refused(add(data, "squatter", "--listen", "127.0.0.1:" + defaultPort),
                    "port 127.0.0.1:" + defaultPort + " is also the listener of client \"default\"");
            refused(add(data, "squatter", "--listen", "127.0.0.1:0" + tlsPort), "port 127.0.0.1:" + tlsPort + " is the proxy's mutual-TLS listener");
            // The engine's socket, named as it is or through a link to its directory.
            Path engine = TestEngine.socket();
            refused(add(data, "thief", "--socket", engine.toString()), "is the Docker engine's socket");
            Path alias = Files.createSymbolicLink(dir.resolve("engine-dir"), engine.toRealPath().getParent());
            refused(add(data, "thief", "--socket", alias.resolve(engine.getFileName()).toString()), "is the Docker engine's socket");
        } finally {
            MultiClientTest.stopProxy(proxy, log);
        }
        // With no proxy running, the engine a proxy would use by default is the one compared with...
        assertThat(add(data, "squatter", "--listen", "127.0.0.1:" + defaultPort).exit()).isZero();
        // ...and a socket another process answers on, at whatever path, is that process's.
        CliTest.Run live = add(data, "thief", "--socket", TestEngine.socket().toString());
        assertThat(live.exit()).isEqualTo(1);
        assertThat(live.err()).contains("is a socket another process answers on; nothing was changed");
    }

    @Test
    void aSocketTheRunningProxyHasOpenIsItsOwnAndAStaleOneIsNobodys() throws Exception {
        Path data = dir.resolve("data");
        Path open = Files.createDirectories(dir.resolve("open")).toRealPath();
        assertThat(add(data, "homepage", "--socket", open.resolve("h.sock").toString()).exit()).isZero();
        // A socket file left behind by a process that is gone: nobody answers.
        try (java.nio.channels.ServerSocketChannel gone = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            gone.bind(java.net.UnixDomainSocketAddress.of(open.resolve("stale.sock")));
        }
        Path log = dir.resolve("proxy.log");
        Process proxy = MultiClientTest.serve(log, "--listen", "none",
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        try {
            await("the socket open", () -> StatusFile.read(data).map(r -> r.listeners().size() == 1).orElse(false), Duration.ofSeconds(30));
            CliTest.Run same = CliTest.run("client", "set", "homepage", "--socket", open.resolve("h.sock").toString(), "--socket-mode", "0600",
                    "--data=" + data);
            assertThat(same.exit()).as(same.err()).isZero();
            assertThat(add(data, "other", "--socket", open.resolve("stale.sock").toString()).exit()).isZero();
        } finally {
            MultiClientTest.stopProxy(proxy, log);
        }
    }

    @Test
    void socketsAreComparedByTheirRealLocationAndNeverSockwardensOwnFiles() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "init")).isZero();
        Path real = Files.createDirectories(dir.resolve("run/sw"));
        Path alias = Files.createSymbolicLink(dir.resolve("var-run"), dir.resolve("run"));
        assertThat(add(data, "homepage", "--socket", real.resolve("h.sock").toString()).exit()).isZero();
        refused(add(data, "other", "--socket", alias.resolve("sw/h.sock").toString()),
                "socket " + real.toRealPath().resolve("h.sock") + " is also the socket of client \"homepage\"");
        // A path means one place as it is written: no dot segments.
        CliTest.Run dots = add(data, "other", "--socket", real + "/./h.sock");
        assertThat(dots.exit()).isEqualTo(2);
        assertThat(dots.err()).contains("a socket path has no . or .. segment: \"" + real + "/./h.sock\"");
        assertThat(add(data, "other", "--socket", real + "/../sw/x.sock").exit()).isEqualTo(2);
        // What sockwarden keeps in its data directory, and the directory itself.
        refused(add(data, "other", "--socket", data.resolve(Store.FILE).toString()), "is in sockwarden's data directory");
        refused(add(data, "other", "--socket", data.resolve(CertificateAuthority.KEY_FILE).toString()), "is in sockwarden's data directory");
        refused(add(data, "other", "--socket", data.toString()), "is in sockwarden's data directory");
        // A file that is not a socket would be replaced by one.
        Path file = Files.writeString(dir.resolve("run/notes.txt"), "keep me");
        refused(add(data, "other", "--socket", file.toString()), file.toRealPath() + " is a file, not a socket");
        assertThat(add(data, "other", "--socket", data.resolve("other.sock").toString()).exit()).isZero();
        assertThat(CliTest.run("client", "show", "other", "--data=" + data).out()).contains("unix:" + data.toRealPath().resolve("other.sock"));
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void aCertificateIsOneClientsAndASubjectIsMappedOncePerCa() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "init")).isZero();
        assertThat(add(data, "a").exit()).isZero();
        assertThat(cli(data, "cert", "issue", "a", "--out", dir.resolve("a-certs").toString())).isZero();
        String issued;
        try (Store store = Store.open(data)) {
            issued = store.certificates("a").get(0).fingerprint();
        }
        refused(add(data, "b", "--cert-fingerprint", issued.toUpperCase().replaceAll("(..)(?!$)", "$1:")),
                "certificate " + issued + " is also that of client \"a\"");

        CertificateAuthority other = CertificateAuthority.createOrLoad(dir.resolve("other-ca"));
        CertificateAuthority third = CertificateAuthority.createOrLoad(dir.resolve("third-ca"));
        Path bundle = Files.writeString(dir.resolve("bundle.pem"),
                Files.readString(dir.resolve("other-ca/ca.pem")) + Files.readString(dir.resolve("third-ca/ca.pem")));
        assertThat(cli(data, "init", "--trust-ca", bundle.toString())).isZero();
        String otherCa = Fingerprints.sha256(other.certificate());
        String thirdCa = Fingerprints.sha256(third.certificate());
        assertThat(add(data, "ci", "--cert-subject", "CN=ci,O=example", "--cert-ca", otherCa).exit()).isZero();
        // Spellings of one DER name are one mapping.
        for (String spelling : new String[] {"CN=ci, O=example", "cn=ci,o=example", "CN=ci ,O=example", "CN=#0c026369,O=example"}) {
            refused(add(data, "ci2", "--cert-subject", spelling, "--cert-ca", otherCa), "is also mapped to client \"ci\"");
        }
        // Another name under DER-exactness, or another CA's subject, is another mapping.
        assertThat(add(data, "ci-upper", "--cert-subject", "CN=CI,O=example", "--cert-ca", otherCa).exit()).isZero();
        assertThat(add(data, "ci-third", "--cert-subject", "CN=ci,O=example", "--cert-ca", thirdCa).exit()).isZero();

        // The CA a mapping names is one trusted with init --trust-ca; sockwarden's own is refused.
        String own = Fingerprints.sha256(CertificateAuthority.createOrLoad(data).certificate());
        CliTest.Run ownCa = add(data, "ci3", "--cert-subject", "CN=ci3", "--cert-ca", own);
        assertThat(ownCa.exit()).isEqualTo(2);
        assertThat(ownCa.err()).contains("is sockwarden's own CA");
        CliTest.Run untrusted = add(data, "ci3", "--cert-subject", "CN=ci3", "--cert-ca", "ab".repeat(32));
        assertThat(untrusted.exit()).isEqualTo(2);
        assertThat(untrusted.err()).contains("is not a trusted CA; `sockwarden init --trust-ca FILE` trusts one").contains(otherCa).contains(thirdCa);
        CliTest.Run noCa = add(data, "ci3", "--cert-subject", "CN=ci3");
        assertThat(noCa.exit()).isEqualTo(2);
        assertThat(noCa.err()).contains("--cert-subject needs --cert-ca");
        CliTest.Run notAName = add(data, "ci3", "--cert-subject", "CN=x;O=y", "--cert-ca", otherCa);
        assertThat(notAName.exit()).isEqualTo(2);
        assertThat(notAName.err()).contains("can be read in more than one way");
    }
}
