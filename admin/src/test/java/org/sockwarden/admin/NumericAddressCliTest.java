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
        usageError(CliTest.child(resolver, "client", "add", "web", "--from", "cafe", "--data", data.toString()),
                "--from not an IP range: \"cafe\"");
        usageError(CliTest.child(resolver, "client", "add", "web", "--listen", "face.b00c:2380", "--data", data.toString()),
                "--listen \"face.b00c:2380\" is not IP:PORT");
        usageError(CliTest.child(resolver, "cert", "renew-server", "--tls-ip", "cafe", "--data", data.toString()),
                "--tls-ip not a numeric IP address: \"cafe\"");
        assertThat(CliTest.run("client", "list", "--data=" + data).out()).doesNotContain("web");
    }

    @Test
    void shorthandsAndHostBitsAreRefusedAndRangesAreStoredInOneSpelling() {
        String data = "--data=" + dir.resolve("data");
        usageError(CliTest.run("client", "add", "web", "--from", "10.1", data), "\"10.1\"");
        usageError(CliTest.run("client", "add", "web", "--from", "10.1.2.3/8", data),
                "\"10.1.2.3/8\" has bits set after its first 8: the range it names is 10.0.0.0/8");
        usageError(CliTest.run("client", "add", "web", "--listen", "127.000.000.001:2380", data), "\"127.000.000.001:2380\"");
        usageError(CliTest.run("client", "add", "web", "--listen", "127.0.0.1:0", data), "a client's port must be fixed");

        CliTest.Run ok = CliTest.run("client", "add", "web", "--listen", "[0:0:0:0:0:0:0:1]:02380", "--from", "2001:DB8::/32",
                "--from", "127.0.0.1", data);
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("listeners: [::1]:2380").contains("from: 2001:db8::/32, 127.0.0.1/32");
    }

    private static void usageError(CliTest.Run run, String message) {
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains(message);
    }
}
