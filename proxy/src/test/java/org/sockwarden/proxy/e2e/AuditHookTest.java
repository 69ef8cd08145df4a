package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.IdentityKind;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * The proxy hands its audit sink one record per decided request and one per hijacked session
 * when it ends, with the caller's identity, the decision and what decided it: the same requests
 * the access log has, line for line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditHookTest {

    private final List<AuditRecord> records = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private AccessLog log;
    private ProxyServer server;
    private int port;
    private Path socket;
    private Docker tcp;
    private Docker direct;
    private final String worker = "sw-audit-" + UUID.randomUUID().toString().substring(0, 6);

    @BeforeAll
    void start() throws Exception {
        Path engine = TestEngine.socket();
        log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        server = new ProxyServer(engine, log, records::add, Duration.ofSeconds(2), Limits.DEFAULT, null);
        ListenerAddress.Tcp listener = new ListenerAddress.Tcp("127.0.0.1", 0);
        socket = Docker.tempDir("sw-audit").resolve("s.sock");
        ListenerAddress.Unix unix = new ListenerAddress.Unix(socket, "0660", null, null);
        server.start(new Directory(1, List.of(
                new ClientConfig(new Client("ops", PermissionSet.parse(List.of("CONTAINERS", "EXEC", "POST", "PING", "VERSION")),
                        Client.GrantAdvice.CLI), List.of(listener), List.of(), Set.of()),
                new ClientConfig(new Client("reader", PermissionSet.parse(List.of("CONTAINERS", "PING", "VERSION")), Client.GrantAdvice.CLI),
                        List.of(unix), List.of(), Set.of()))));
        port = server.port(listener.key());
        tcp = new Docker("tcp://127.0.0.1:" + port);
        direct = Docker.engine();
        direct.run("run", "-d", "--name", worker, "--network", "none", TestEngine.IMAGE, "sleep", "600").ok();
    }

    @AfterAll
    void stop() throws Exception {
        if (direct != null) {
            direct.run("rm", "-f", worker);
        }
        if (server != null) {
            server.close();
        }
        if (log != null) {
            log.close();
        }
    }

    private AuditRecord await(Predicate<AuditRecord> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (AuditRecord r : records) {
                if (wanted.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such record within 10 s; records: " + records);
    }

    @Test
    void aHijackedExecIsOneRecordWhenItsSessionEndsWithItsBytes() throws Exception {
        assertThat(tcp.run("exec", worker, "echo", "hello-from-exec").ok().stdout()).contains("hello-from-exec");
        AuditRecord session = await(r -> r.operation() == Operation.EXEC_START && r.target().contains("/start"));
        assertThat(session.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(session.decidedBy()).isEqualTo("EXEC+POST");
        assertThat(session.status()).isEqualTo(101);
        assertThat(session.bytesOut()).isGreaterThanOrEqualTo("hello-from-exec\n".length());
        assertThat(session.client()).isEqualTo("ops");
        assertThat(session.identityKind()).isEqualTo(IdentityKind.PORT);
        // The listener as the directory names it (and the access log): port 0 here, a fixed port in real use.
        assertThat(session.identity()).isEqualTo("127.0.0.1:0");
        assertThat(session.remoteHost()).isEqualTo("127.0.0.1");
        assertThat(session.remotePort()).isPositive();
        assertThat(session.method()).isEqualTo("POST");
        assertThat(session.guardrail()).isNull();
        AuditRecord create = await(r -> r.operation() == Operation.CONTAINERS_EXEC);
        assertThat(create.status()).isEqualTo(201);
        assertThat(create.bytesIn()).isPositive();
    }

    @Test
    void aDenialNamesThePermissionThatWouldAllowIt() throws Exception {
        tcp.run("network", "ls").failed();
        AuditRecord denied = await(r -> r.operation() == Operation.NETWORKS_LIST);
        assertThat(denied.verdict()).isEqualTo(Verdict.DENY);
        assertThat(denied.decidedBy()).isEqualTo("NETWORKS");
        assertThat(denied.status()).isEqualTo(403);
    }

    @Test
    void rejectedAndUnknownRequestsAreRecordedWithoutAnOperation() throws Exception {
        assertThat(RawHttp.tcp(port, "GET /v1.41/containers/./json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofMillis(500))
                .status()).isEqualTo(400);
        AuditRecord rejected = await(r -> r.target().equals("/v1.41/containers/./json"));
        assertThat(rejected.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(rejected.operation()).isNull();
        assertThat(rejected.decidedBy()).isNull();
        assertThat(rejected.status()).isEqualTo(400);

        assertThat(RawHttp.tcp(port, "GET /v1.41/nowhere?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofMillis(500))
                .status()).isEqualTo(403);
        AuditRecord unknown = await(r -> r.target().equals("/v1.41/nowhere?x=1"));
        assertThat(unknown.verdict()).isEqualTo(Verdict.DENY);
        assertThat(unknown.decidedBy()).isEqualTo("unknown-endpoint");
        assertThat(unknown.operation()).isNull();
    }

    @Test
    void aSocketClientIsRecordedWithItsSocketAndPeerUid() throws Exception {
        new Docker("unix://" + socket).run("ps").ok();
        AuditRecord list = await(r -> "reader".equals(r.client()) && r.operation() == Operation.CONTAINERS_LIST);
        assertThat(list.identityKind()).isEqualTo(IdentityKind.SOCKET);
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        assertThat(list.identity()).isEqualTo(socket + " uid " + uid);
        assertThat(list.peerUid()).isEqualTo((int) uid);
        assertThat(list.remoteHost()).isNull();
    }

    @Test
    void everyAccessLogLineHasItsRecord() throws Exception {
        tcp.run("ps").ok();
        tcp.run("volume", "ls").failed();
        // Both streams are written off the request path: wait until they agree, bounded.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long lines;
        do {
            Thread.sleep(50);
            String text;
            synchronized (logBytes) {
                text = logBytes.toString(StandardCharsets.UTF_8);
            }
            lines = text.lines().filter(l -> l.contains(" listener=")).count();
        } while (lines != records.size() && System.nanoTime() < deadline);
        assertThat(records).hasSize((int) lines);
    }
}
