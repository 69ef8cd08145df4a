package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;

/**
 * An own-only client's pre-flight asks the engine whose the target is before anything of the request goes
 * there, and the exchange stays revocable while it waits: a revocation that lands during the lookup ends
 * it, closes the lookup's engine connection, and the request itself never reaches the engine. An engine
 * that never answers a lookup is what a real one cannot be made to do on demand, hence a socket that
 * only listens.
 */
class PreflightRevocationTest {

    @Test
    void aRevocationDuringTheOwnerLookupEndsTheExchangeAndTheLookup() throws Exception {
        Path dir = Docker.tempDir("sw-preflight");
        Path engine = dir.resolve("engine.sock");
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch lookupClosed = new CountDownLatch(1);
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(engine));
            // Every connection is read on its own thread: the proxy's start-up GET /version (never answered
            // either) comes first, then the owner lookup, the connection this test watches.
            Thread acceptor = new Thread(() -> {
                for (int i = 0; i < 8; i++) {
                    SocketChannel c;
                    try {
                        c = silent.accept();
                    } catch (IOException e) {
                        return;
                    }
                    Thread reader = new Thread(() -> {
                        boolean lookup = false;
                        try (c) {
                            ByteBuffer in = ByteBuffer.allocate(8192);
                            while (c.read(in) >= 0) {
                                String text = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                                if (text.startsWith("GET /version ")) {
                                    continue;
                                }
                                lookup = true;
                                received.add(text);
                                asked.countDown();
                            }
                        } catch (IOException ignored) {
                            // the test ends
                        }
                        if (lookup) {
                            lookupClosed.countDown();
                        }
                    }, "silent-engine-connection");
                    reader.setDaemon(true);
                    reader.start();
                }
            }, "silent-engine");
            acceptor.setDaemon(true);
            acceptor.start();

            Path clientSocket = dir.resolve("a.sock");
            ListenerAddress.Unix listener = new ListenerAddress.Unix(clientSocket, "0600", null, null);
            ClientRules ownOnly = new ClientRules(false, Guardrails.DEFAULT, new Label(ClientRules.OWNER_LABEL, "0".repeat(32)), ClientLimits.NONE, Set.of());
            AccessLog log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            try (ProxyServer server = new ProxyServer(engine, log, Duration.ofSeconds(2), Limits.DEFAULT, null)) {
                server.start(directory(1, listener, ownOnly, "CONTAINERS", "POST"));
                Thread request = new Thread(() -> {
                    try {
                        received.add("client got: " + RawHttp.unix(clientSocket, "POST /v1.41/containers/web/stop HTTP/1.1\r\nHost: docker\r\n"
                                + "Connection: close\r\nContent-Length: 0\r\n\r\n", Duration.ofSeconds(5)).text());
                    } catch (IOException e) {
                        received.add("client got: " + e);
                    }
                });
                request.start();
                assertThat(asked.await(10, TimeUnit.SECONDS)).as("the lookup reached the engine").isTrue();
                assertThat(String.join("", received)).startsWith("GET /v1.41/containers/web/json HTTP/1.1");
                assertThat(server.runningExchanges().size()).isEqualTo(1);

                server.apply(directory(2, listener, ownOnly, "PING"));

                assertThat(lookupClosed.await(10, TimeUnit.SECONDS)).as("the lookup's engine connection was closed").isTrue();
                request.join(10_000);
                String all = String.join("\n", received);
                assertThat(all).doesNotContain("/stop").doesNotContain("HTTP/1.1 204").doesNotContain("HTTP/1.1 404")
                        .contains("client got:");
                assertThat(server.runningExchanges().size()).isZero();
            }
        }
    }

    private static Directory directory(long version, ListenerAddress listener, ClientRules rules, String... grants) {
        Client a = new Client("a", PermissionSet.parse(List.of(grants)), Client.GrantAdvice.CLI, rules);
        return new Directory(version, List.of(new ClientConfig(a, List.of(listener), List.of(), Set.of())));
    }
}
