package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Wire;

/**
 * An abort of one client's exchange never reaches another client's request. Client A's calls are
 * aborted over and over by revocations while client B's calls share the same pool of engine
 * connections: an engine connection handed back to the pool by A and taken by B must be B's
 * alone. A fake engine, because a real one answers too slowly to meet the hand-off this often;
 * B's calls are POSTs with a body, which are never sent twice, so a connection closed under one
 * shows as a failure instead of a silent retry.
 */
class PooledConnectionAbortTest {

    @TempDir
    Path dir;
    private EngineAnswerEdgeCasesTest.FakeEngine engine;
    private ProxyServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static ClientConfig client(String name, String listenerHost, PermissionSet permissions) {
        return new ClientConfig(new Client(name, permissions, Client.GrantAdvice.CLI),
                List.of(new ListenerAddress.Tcp(listenerHost, 0)), List.of(), Set.of());
    }

    @Test
    void abortsOfOneClientNeverFailAnothersRequests() throws Exception {
        engine = new EngineAnswerEdgeCasesTest.FakeEngine(dir, (c, n, head) -> {
            return new EngineAnswerEdgeCasesTest.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", false);
        });
        AccessLog log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        server = new ProxyServer(engine.socket, log, Duration.ofSeconds(2), Limits.DEFAULT, null);
        ClientConfig b = client("b", "127.0.0.2", PermissionSet.parse(List.of("CONTAINERS", "POST")));
        Directory allowed = new Directory(1, List.of(client("a", "127.0.0.1", PermissionSet.parse(List.of("PING"))), b));
        Directory revoked = new Directory(2, List.of(client("a", "127.0.0.1", PermissionSet.parse(List.of("VERSION"))), b));
        server.start(allowed);
        int portA = server.port("127.0.0.1:0");
        int portB = server.port("127.0.0.2:0");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answeredB = new AtomicInteger();
        Map<String, Integer> failuresB = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(new Thread(() -> {
                while (running.get()) {
                    try (Wire a = new Wire(portA)) {
                        for (int k = 0; k < 50 && running.get(); k++) {
                            a.send("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
                            if (!a.head().startsWith("HTTP/1.1 200")) {
                                break;
                            }
                            a.readUntil("OK");
                        }
                    } catch (Exception aborted) {
                        // A's exchanges are meant to be cut
                    }
                }
            }, "client-a-" + i));
            threads.add(new Thread(() -> {
                String body = "{}";
                while (running.get()) {
                    try (Wire w = new Wire(java.net.InetAddress.getByName("127.0.0.2"), portB)) {
                        for (int k = 0; k < 50 && running.get(); k++) {
                            w.send("POST /v1.41/containers/b/wait HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                            String head = w.head();
                            if (!head.startsWith("HTTP/1.1 200")) {
                                failuresB.merge(head.isEmpty() ? "closed" : head.lines().findFirst().orElse("") + " " + w.readUntil("}"),
                                        1, Integer::sum);
                                break;
                            }
                            w.readUntil("OK");
                            answeredB.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failuresB.merge(e.toString(), 1, Integer::sum);
                    }
                }
            }, "client-b-" + i));
        }
        threads.forEach(Thread::start);
        // A revocation every 100 us or so: A's calls mostly complete between two, and some are cut as they do.
        long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        for (int round = 0; round < 200_000 && System.nanoTime() < end; round++) {
            server.apply(round % 2 == 0 ? revoked : allowed);
            for (long pause = System.nanoTime() + 100_000; System.nanoTime() < pause; ) {
                Thread.onSpinWait();
            }
        }
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
        assertThat(answeredB.get()).as("client b's answers (failures: " + failuresB + ")").isPositive();
        assertThat(failuresB).as("client b's failures").isEmpty();
    }
}
