package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.proxy.testing.TestEngine;

/** A peer cannot write lines into the log: a certificate subject with a line break, over a real handshake, in both log formats. */
class LogInjectionTest {

    @TempDir
    Path dir;

    @Test
    void aSubjectWithALineBreakStaysInItsLine() throws Exception {
        for (String format : List.of("text", "json")) {
            Path data = dir.resolve("data-" + format);
            assertThat(cli(data, "init")).isZero();
            Path otherCa = dir.resolve("other-ca-" + format);
            CertificateAuthority.createOrLoad(otherCa);
            assertThat(cli(data, "init", "--trust-ca", otherCa.resolve(CertificateAuthority.CERT_FILE).toString())).isZero();
            String forged = "2026-12-07T05:00:00Z INFO policy version 9 in force: [admin]";
            X500Name subject = new X500Name(new RDN[] {new RDN(BCStyle.CN, new DERUTF8String("x\n" + forged + "\u2028\u0085\r."))});
            Path certs = dir.resolve("certs-" + format);
            TestCertificates.issue(otherCa, subject, certs, data.resolve(CertificateAuthority.CERT_FILE));

            int port = freePort();
            Path log = dir.resolve("proxy-" + format + ".log");
            Process proxy = MultiClientTest.serve(log, "--listen", "none", "--tls-listen", "127.0.0.1:" + port, "--log-format", format,
                    "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
            try {
                await("TLS listener", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));
                assertThat(TestCertificates.ping(port, certs)).startsWith("refused");
                await("the refusal logged", () -> read(log).contains("TLS client refused"), Duration.ofSeconds(5));
                String text = read(log);
                // Every line is a whole event: none begins with the forged text, none holds a raw separator.
                for (String line : text.split("\n", -1)) {
                    assertThat(line).doesNotStartWith(forged).doesNotContain("\r", "\u2028", "\u0085");
                }
                assertThat(text).doesNotContain("\n" + forged);
                if (format.equals("text")) {
                    assertThat(text).contains("CN=x\\x0a" + forged + "\\u2028\\x85\\x0d.");
                } else {
                    assertThat(text).contains("CN=x\\n" + forged + "\\u2028\\u0085\\r.");
                }
            } finally {
                MultiClientTest.stopProxy(proxy, log);
            }
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
