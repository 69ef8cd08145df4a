package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestProxy;

/** What a client is told when the engine's socket path holds something that is not a socket. */
class EngineDiagnosisTest {

    private static final String PING = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";

    @Test
    void aPlainFileAtTheSocketPathIsNamed(@TempDir Path dir) throws Exception {
        Path socket = Files.writeString(dir.resolve("docker.sock"), "not a socket");
        try (TestProxy proxy = TestProxy.start(socket, "PING")) {
            RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(2));
            assertThat(a.status()).as(a.text()).isEqualTo(502);
            assertThat(a.text()).contains("Docker engine socket " + socket + " is a regular file, not a socket")
                    .doesNotContain("the socket exists");
        }
    }

    @Test
    void aDirectoryAtTheSocketPathIsNamed(@TempDir Path dir) throws Exception {
        // What `-v /var/run/docker.sock:/var/run/docker.sock` leaves in a container when the host has no such socket.
        Path socket = Files.createDirectory(dir.resolve("docker.sock"));
        try (TestProxy proxy = TestProxy.start(socket, "PING")) {
            RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(2));
            assertThat(a.status()).as(a.text()).isEqualTo(502);
            assertThat(a.text()).contains("Docker engine socket " + socket + " is a directory, not a socket")
                    .doesNotContain("the socket exists");
        }
    }
}
