package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/** 100 MB of container log through the proxy: the same bytes, in the same order, as straight from the engine. */
class LogStreamIntegrityTest {

    private static final long SIZE = 100L * 1024 * 1024;

    @Test
    void hundredMegabytesArriveIntact() throws Exception {
        Docker direct = new Docker(TestEngine.dockerHost()).timeout(Duration.ofMinutes(3));
        String name = "sw-log100-" + UUID.randomUUID().toString().substring(0, 6);
        // 1000-byte lines keep the engine's per-line JSON overhead small.
        direct.run("run", "--name", name, "--network", "none", TestEngine.IMAGE, "sh", "-c",
                "L=$(head -c 999 /dev/zero | tr '\\0' x); yes \"$L\" | head -c " + SIZE).ok();
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), "CONTAINERS", "PING")) {
            Docker docker = new Docker(proxy.dockerHost()).timeout(Duration.ofMinutes(3));
            Digest viaProxy = new Digest();
            docker.runTo(viaProxy.stream, "logs", name).ok();
            Digest viaSocket = new Digest();
            direct.runTo(viaSocket.stream, "logs", name).ok();
            assertThat(viaSocket.count()).isEqualTo(SIZE);
            assertThat(viaProxy.count()).isEqualTo(SIZE);
            assertThat(viaProxy.hex()).isEqualTo(viaSocket.hex());
            assertThat(proxy.awaitLog("op=containers.logs", Duration.ofSeconds(5))).contains("op=containers.logs allow(CONTAINERS)");
        } finally {
            direct.run("rm", "-f", name);
        }
    }

    /** Counts and hashes what goes through it, keeping none of it. */
    private static final class Digest {
        private final MessageDigest sha = sha256();
        private long count;
        final OutputStream stream = new DigestOutputStream(OutputStream.nullOutputStream(), sha) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                count += len;
                super.write(b, off, len);
            }

            @Override
            public void write(int b) throws java.io.IOException {
                count++;
                super.write(b);
            }
        };

        long count() {
            return count;
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
