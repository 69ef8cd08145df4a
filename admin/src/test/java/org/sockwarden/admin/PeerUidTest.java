package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * --peer-uid compares the number the kernel reports, with no user name in between. The proxy runs
 * in a mount namespace of its own whose user database misleads: an entry named "1000" has uid 1005,
 * and uid 54322 is known only to NSS (a systemd user record), not to /etc/passwd. Peers connect as
 * those uids with setpriv.
 */
class PeerUidTest {

    @TempDir
    Path dir;

    @Test
    void thePeerUidIsTheKernelsNumber() throws Exception {
        requireRootTools();
        Path engine = TestEngine.socket();
        Path data = dir.resolve("data");
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path named = open.resolve("named.sock");
        Path nssOnly = open.resolve("nss.sock");
        Path nameless = open.resolve("nameless.sock");
        assertThat(cli(data, "client", "add", "named", "--socket", named.toString(), "--socket-mode", "0666", "--peer-uid", "1000", "--allow", "PING")).isZero();
        assertThat(cli(data, "client", "add", "nssonly", "--socket", nssOnly.toString(), "--socket-mode", "0666", "--peer-uid", "54322", "--allow", "PING")).isZero();
        assertThat(cli(data, "client", "add", "nameless", "--socket", nameless.toString(), "--socket-mode", "0666", "--peer-uid", "54323", "--allow", "PING")).isZero();

        // The namespace's user database: /etc/passwd plus "1000" with uid 1005; uid 54322 only as a systemd user record.
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, Files.readString(Path.of("/etc/passwd")) + "1000:x:1005:1005::/:/bin/sh\n");
        Path nsswitch = Files.writeString(dir.resolve("nsswitch.conf"), "passwd: files systemd\ngroup: files systemd\n");
        Path userdb = Files.createDirectory(dir.resolve("userdb"));
        Files.writeString(userdb.resolve("nssonly.user"),
                "{\"userName\":\"nssonly\",\"uid\":54322,\"gid\":54322,\"homeDirectory\":\"/\",\"disposition\":\"regular\"}\n");
        Files.copy(userdb.resolve("nssonly.user"), userdb.resolve("54322.user"));
        String setUp = "mount -t tmpfs sockwarden-test /run && mkdir /run/userdb && cp \"$1\"/* /run/userdb/"
                + " && mount --bind \"$2\" /etc/passwd && mount --bind \"$3\" /etc/nsswitch.conf"
                + " && getent passwd 1005 54322 >&2 && shift 3 && exec \"$@\"";
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", setUp, "sh",
                userdb.toString(), passwd.toString(), nsswitch.toString()));
        command.addAll(ChildJvm.sockwarden("serve", "--listen", "none", "--data", data.toString(), "--docker-socket", engine.toString()));
        Path log = dir.resolve("proxy.log");
        Process proxy = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await("three sockets", () -> Files.exists(named) && Files.exists(nssOnly) && Files.exists(nameless), Duration.ofSeconds(30));
            assertThat(Files.readString(log)).contains("1000:x:1005:1005").contains("nssonly:x:54322:54322");

            // uid 1005 is called "1000" there; it is not uid 1000.
            assertThat(ping(named, 1005)).startsWith("HTTP/1.1 403")
                    .contains("client \\\"named\\\" accepts only peer uids [1000] on its socket, not uid 1005");
            assertThat(ping(named, 1000)).startsWith("HTTP/1.1 200");
            // Known only to NSS: the old /etc/passwd scan found no such name and called it uid -1.
            assertThat(ping(nssOnly, 54322)).startsWith("HTTP/1.1 200");
            assertThat(ping(nssOnly, 54323)).startsWith("HTTP/1.1 403").contains("not uid 54323");
            // No name at all.
            assertThat(ping(nameless, 54323)).startsWith("HTTP/1.1 200");
        } finally {
            MultiClientTest.stopProxy(proxy, log);
        }
    }

    /** GET /_ping on {@code socket} from a process running as {@code uid}; the answer's head and body. */
    private static String ping(Path socket, int uid) throws Exception {
        Process peer = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "/usr/bin/python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
                        + "s.sendall(b'GET /_ping HTTP/1.1\\r\\nHost: d\\r\\nConnection: close\\r\\n\\r\\n'); "
                        + "b=b''\nwhile True:\n c=s.recv(4096)\n if not c: break\n b+=c\nprint(b.decode())", socket.toString())
                .redirectErrorStream(true).start();
        String answer = new String(peer.getInputStream().readAllBytes());
        assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return answer;
    }

    private static void requireRootTools() throws Exception {
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
        boolean tools = new File("/usr/bin/setpriv").canExecute() && new File("/usr/bin/unshare").canExecute();
        Process ldconfig = new ProcessBuilder("sh", "-c", "ldconfig -p | grep -q libnss_systemd.so.2").start();
        boolean nssSystemd = ldconfig.waitFor() == 0;
        if (!root || !tools || !nssSystemd) {
            String why = "needs root, setpriv and unshare (util-linux) and libnss-systemd";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI runs as root with what scripts/test.sh installs: " + why);
            }
            Assumptions.abort(why);
        }
    }
}
