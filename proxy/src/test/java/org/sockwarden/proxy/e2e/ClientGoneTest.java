package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * A client that closes a silent stream ({@code docker events} with nothing happening) ends its
 * exchange and its engine connection, though the engine never writes again: the proxy watches
 * the client of every stream that has lasted a second.
 */
class ClientGoneTest {

    @Test
    void closingASilentEventsStreamEndsTheExchange() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), EnvFlags.fromEnvironment(Map.of("EVENTS", "1")))) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                client.setSoTimeout(10_000);
                // Events far in the future: the engine answers the headers and then stays silent.
                client.getOutputStream().write(("GET /v1.41/events?filters=%7B%22label%22%3A%5B%22sw-none%3D1%22%5D%7D HTTP/1.1\r\n"
                        + "Host: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(client.getInputStream())).startsWith("HTTP/1.1 200 ");
                Thread.sleep(1_500);
                assertThat(proxy.log()).as("the stream is still running").doesNotContain("op=system.events");
            }
            long closed = System.nanoTime();
            assertThat(proxy.awaitLog("op=system.events", Duration.ofSeconds(10))).contains("status=200");
            // Watched after at most a second and a sweep; the log line follows the close at once.
            assertThat(Duration.ofNanos(System.nanoTime() - closed)).isLessThan(Duration.ofSeconds(3));
        }
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
