package org.sockwarden.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;

class AuditRecordTest {

    private static AuditRecord record(String listener, String fingerprint, int peerUid, java.net.SocketAddress remote) {
        return new AuditRecord(Instant.EPOCH, listener, "c", fingerprint, peerUid, remote, "GET", "/_ping", Operation.SYSTEM_PING,
                AuditRecord.Verdict.ALLOW, "PING", null, 200, 0, 2, 10);
    }

    @Test
    void theIdentityIsThePortTheSocketWithItsPeerUidOrTheCertificate() {
        AuditRecord port = record("127.0.0.1:2380", null, -1, new InetSocketAddress("127.0.0.1", 40001));
        assertThat(port.identityKind()).isEqualTo(AuditRecord.IdentityKind.PORT);
        assertThat(port.identity()).isEqualTo("127.0.0.1:2380");
        assertThat(port.remoteHost()).isEqualTo("127.0.0.1");
        assertThat(port.remotePort()).isEqualTo(40001);

        AuditRecord socket = record("unix:/run/sw/h.sock", null, 1000, null);
        assertThat(socket.identityKind()).isEqualTo(AuditRecord.IdentityKind.SOCKET);
        assertThat(socket.identity()).isEqualTo("/run/sw/h.sock uid 1000");
        assertThat(socket.remoteHost()).isNull();
        assertThat(socket.remotePort()).isZero();
        assertThat(record("unix:/run/sw/h.sock", null, -1, null).identity()).isEqualTo("/run/sw/h.sock");

        AuditRecord tls = record("tls:0.0.0.0:2376", "ab12", -1, new InetSocketAddress("::1", 40002));
        assertThat(tls.identityKind()).isEqualTo(AuditRecord.IdentityKind.CERTIFICATE);
        assertThat(tls.identity()).isEqualTo("ab12");
        assertThat(tls.remoteHost()).isEqualTo("[0:0:0:0:0:0:0:1]");
        assertThat(tls.remotePort()).isEqualTo(40002);
    }

    @Test
    void verdictNamesAreThoseOfTheAccessLogAndTheAuditTrail() {
        assertThat(AuditRecord.Verdict.values()).extracting(AuditRecord.Verdict::text)
                .containsExactly("allow", "deny", "would-deny", "reject", "limit");
        assertThat(AuditRecord.IdentityKind.values()).extracting(AuditRecord.IdentityKind::text)
                .containsExactly("port", "socket", "certificate");
    }
}
