package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --from and --listen take numeric addresses only: no name is looked up, no shorthand guessed, each error names the value. */
class NumericAddressCliTest {

    @TempDir
    Path dir;

    @Test
    void aHexWordThatTheResolverKnowsIsStillNoAddress() throws Exception {
        // The JVM's resolver reads this file instead of the system's: "cafe" and "face.b00c" resolve, as on a network whose DNS answers them.
        Path hosts = Files.writeString(dir.resolve("hosts"), "10.9.8.7 cafe\n10.9.8.6 face.b00c\n");
        Path data = dir.resolve("data");
        List<String> resolver = List.of("-Djdk.net.hosts.file=" + hosts);
        CliTest.Run from = CliTest.child(resolver, "client", "add", "web", "--from", "cafe", "--data", data.toString());
        assertThat(from.exit()).as(from.out() + from.err()).isEqualTo(2);
        assertThat(from.err()).contains("--from not an IP range: \"cafe\"");
        CliTest.Run listen = CliTest.child(resolver, "client", "add", "web", "--listen", "face.b00c:2380", "--data", data.toString());
        assertThat(listen.exit()).as(listen.out() + listen.err()).isEqualTo(2);
        assertThat(listen.err()).contains("--listen \"face.b00c:2380\" is not IP:PORT");
        CliTest.Run tlsIp = CliTest.child(resolver, "cert", "renew-server", "--tls-ip", "cafe", "--data", data.toString());
        assertThat(tlsIp.exit()).as(tlsIp.out() + tlsIp.err()).isEqualTo(2);
        assertThat(tlsIp.err()).contains("--tls-ip not a numeric IP address: \"cafe\"");
        assertThat(CliTest.run("client", "list", "--data=" + data).out()).doesNotContain("web");
    }

    @Test
    void shorthandsAndHostBitsAreRefusedAndRangesAreStoredInOneSpelling() {
        String data = "--data=" + dir.resolve("data");
        CliTest.Run shorthand = CliTest.run("client", "add", "web", "--from", "10.1", data);
        assertThat(shorthand.exit()).isEqualTo(2);
        assertThat(shorthand.err()).contains("\"10.1\"");
        CliTest.Run hostBits = CliTest.run("client", "add", "web", "--from", "10.1.2.3/8", data);
        assertThat(hostBits.exit()).isEqualTo(2);
        assertThat(hostBits.err()).contains("\"10.1.2.3/8\" has bits set after its first 8: the range it names is 10.0.0.0/8");
        CliTest.Run octal = CliTest.run("client", "add", "web", "--listen", "127.000.000.001:2380", data);
        assertThat(octal.exit()).isEqualTo(2);
        assertThat(octal.err()).contains("\"127.000.000.001:2380\"");
        CliTest.Run zero = CliTest.run("client", "add", "web", "--listen", "127.0.0.1:0", data);
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("a client's port must be fixed");

        CliTest.Run ok = CliTest.run("client", "add", "web", "--listen", "[0:0:0:0:0:0:0:1]:02380", "--from", "2001:DB8::/32",
                "--from", "127.0.0.1", data);
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("listeners: [::1]:2380").contains("from: 2001:db8::/32, 127.0.0.1/32");
    }
}
