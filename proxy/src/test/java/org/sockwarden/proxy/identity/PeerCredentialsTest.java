package org.sockwarden.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCredentialsTest {

    @Test
    void thePeerOfAConnectionFromThisProcessIsThisProcesssUid(@TempDir Path dir) throws Exception {
        int own = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
             SocketChannel client = SocketChannel.open(address);
             SocketChannel accepted = server.accept()) {
            assertThat(PeerCredentials.uid(accepted)).isEqualTo(own);
            assertThat(PeerCredentials.uid(client)).isEqualTo(own);
        }
    }

    @Test
    void aPrincipalOfAnotherKindIsNoUid() {
        // Not the JDK's Unix principal, whose hash code was checked to be its uid: unknown, which no --peer-uid admits.
        assertThat(PeerCredentials.uid(() -> "1000")).isEqualTo(-1);
    }
}
