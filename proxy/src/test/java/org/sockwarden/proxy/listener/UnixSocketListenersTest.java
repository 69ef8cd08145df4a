package org.sockwarden.proxy.listener;

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
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * Client sockets: never a path that holds something else (the engine's socket, the data
 * directory, a file, a directory, a link, another process's live socket, another client's socket
 * by another name), never through a link swapped into the directory, never with the umask's
 * mode, and a new mode or owner applied to the live socket.
 */
class UnixSocketListenersTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private long version = 1;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private ProxyServer server(Path engine, Path dataDirectory) throws Exception {
        AccessLog log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        ProxyServer server = new ProxyServer(engine, log, Duration.ofSeconds(1), Limits.DEFAULT, dataDirectory);
        server.start(new Directory(version++, List.of()));
        closing.add(server);
        return server;
    }

    private Directory sockets(ListenerAddress.Unix... sockets) {
        List<ClientConfig> clients = new ArrayList<>();
        for (int i = 0; i < sockets.length; i++) {
            clients.add(new ClientConfig(new Client("client" + i, PermissionSet.parse(List.of("PING")), Client.GrantAdvice.CLI),
                    List.of(sockets[i]), List.of(), Set.of()));
        }
        return new Directory(version++, clients);
    }

    private static ListenerAddress.Unix socket(Path path, String mode) {
        return new ListenerAddress.Unix(path, mode, null, null);
    }

    private String log() throws InterruptedException {
        Thread.sleep(300); // the access log is written on its own thread
        synchronized (logBytes) {
            return logBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** A socket another process listens on (this test, standing in for it). */
    private ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        closing.add(s);
        return s;
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String ping(Path socket) throws IOException {
        return RawHttp.unix(socket, "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", Duration.ofSeconds(2)).text();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theEnginesSocketIsNeverAClientsSocketByAnyName() throws Exception {
        Path engine = dir.resolve("engine.sock");
        listen(engine);
        Path alias = Files.createSymbolicLink(dir.resolve("alias"), dir);
        ProxyServer server = server(engine, null);
        server.apply(sockets(socket(engine, "0660")));
        server.apply(sockets(socket(alias.resolve("engine.sock"), "0660")));
        assertThat(answers(engine)).as("the engine's socket is still there and answered").isTrue();
        assertThat(log()).contains("cannot listen on unix:" + engine + " for client client0: " + engine + " is the Docker engine's socket")
                .contains("cannot listen on unix:" + alias.resolve("engine.sock") + " for client client0");
        assertThat(server.openListeners()).isEmpty();
    }

    @Test
    void whatIsNotADeadSocketIsNeverReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("file.sock"), "keep me");
        Path directory = Files.createDirectory(dir.resolve("dir.sock"));
        Path link = Files.createSymbolicLink(dir.resolve("link.sock"), file);
        Path live = dir.resolve("live.sock");
        listen(live);
        Path data = Files.createDirectory(dir.resolve("data"));
        ProxyServer server = server(TestEngine.socket(), data);
        server.apply(sockets(socket(file, "0660"), socket(directory, "0660"), socket(link, "0660"), socket(live, "0660"),
                socket(data, "0660")));
        assertThat(Files.readString(file)).isEqualTo("keep me");
        assertThat(Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(answers(live)).isTrue();
        assertThat(log()).contains(file + " is a regular file; sockwarden replaces only a socket nobody answers on")
                .contains(directory + " is a directory;").contains(link + " is a symbolic link;")
                .contains(live + " is the live socket of another process; sockwarden does not take it over")
                .contains(data + " is sockwarden's data directory");
        assertThat(server.openListeners()).isEmpty();
    }

    @Test
    void aSocketAnEarlierRunLeftIsReplaced() throws Exception {
        Path stale = dir.resolve("stale.sock");
        listen(stale).close(); // the file stays, and nobody answers on it
        assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).isTrue();
        ProxyServer server = server(TestEngine.socket(), null);
        server.apply(sockets(socket(stale, "0660")));
        assertThat(ping(stale)).startsWith("HTTP/1.1 200 ");
        server.apply(sockets());
        assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).as("removed with its listener").isFalse();
    }

    @Test
    void twoPathsOfOneFileAreOneListener() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path alias = Files.createSymbolicLink(dir.resolve("alias"), real);
        ProxyServer server = server(TestEngine.socket(), null);
        server.apply(sockets(socket(real.resolve("h.sock"), "0660"), socket(alias.resolve("h.sock"), "0660")));
        assertThat(log()).contains("cannot listen on unix:" + alias.resolve("h.sock") + " for client client1: " + alias.resolve("h.sock")
                + " is the same file as unix:" + real.resolve("h.sock") + ", which is already open");
        assertThat(ping(real.resolve("h.sock"))).startsWith("HTTP/1.1 200 ");
        assertThat(log()).contains("listener=unix:" + real.resolve("h.sock") + " client=client0 GET /_ping");
        assertThat(server.openListeners()).containsExactly("unix:" + real.resolve("h.sock"));
    }

    @Test
    void aLinkSwappedIntoTheSocketsDirectoryChangesNoHostFile() throws Exception {
        Path hostFile = Files.writeString(Files.createDirectory(dir.resolve("host")).resolve("shadow"), "secret");
        Files.setPosixFilePermissions(hostFile, PosixFilePermissions.fromString("rw-------"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path target = shared.resolve("s.sock");
        ProxyServer server = server(TestEngine.socket(), null);
        // Someone with write access to the socket's directory keeps putting a link to a host file at its name.
        openAndCloseWhile(server, socket(target, "0666"), () -> {
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, hostFile);
        });
        assertThat(mode(hostFile)).isEqualTo("rw-------");
        assertThat(Files.readString(hostFile)).isEqualTo("secret");
    }

    @Test
    void aSocketNeverExistsWithAWiderModeThanConfigured() throws Exception {
        Path target = Files.createDirectory(dir.resolve("watched")).resolve("w.sock");
        ProxyServer server = server(TestEngine.socket(), null);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        openAndCloseWhile(server, socket(target, "0600"), () -> seen.add(mode(target)));
        assertThat(seen).as("modes the socket was seen with").containsOnly("rw-------");
    }

    @Test
    void aNewModeAndOwnerApplyToTheLiveSocket() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI runs as root: this test changes a socket's group");
            }
            Assumptions.abort("needs root to give the socket another group");
        }
        Path target = dir.resolve("live-change.sock");
        ProxyServer server = server(TestEngine.socket(), null);
        server.apply(sockets(socket(target, "0600")));
        assertThat(mode(target)).isEqualTo("rw-------");
        try (SocketChannel kept = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
            assertThat(request(kept)).startsWith("HTTP/1.1 200 ");
            server.apply(sockets(new ListenerAddress.Unix(target, "0666", null, 4242)));
            assertThat(mode(target)).isEqualTo("rw-rw-rw-");
            assertThat(Files.getAttribute(target, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4242);
            assertThat(request(kept)).as("the open connection stays").startsWith("HTTP/1.1 200 ");
        }
        assertThat(log()).contains("socket unix:" + target + " of client client0 now has mode rw-rw-rw- and owner -:4242");
    }

    private interface Step {
        void run() throws IOException;
    }

    /**
     * Opens and closes {@code socket}'s listener 40 times while another thread repeats {@code step}
     * as fast as it can (bounded); a step that fails because the proxy got there first is repeated.
     */
    private void openAndCloseWhile(ProxyServer server, ListenerAddress.Unix socket, Step step) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread meanwhile = new Thread(() -> {
            for (long n = 0; running.get() && n < 50_000_000; n++) {
                try {
                    step.run();
                } catch (IOException raced) {
                    // the proxy's rename or removal came in between
                }
            }
        }, "meanwhile");
        meanwhile.start();
        try {
            for (int round = 0; round < 40; round++) {
                server.apply(sockets(socket));
                server.apply(sockets());
            }
        } finally {
            running.set(false);
            meanwhile.join(10_000);
        }
    }

    /** A /_ping on a kept-alive connection: the answer's head and body. */
    private static String request(SocketChannel channel) throws IOException {
        channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        ByteBuffer in = ByteBuffer.allocate(4096);
        StringBuilder got = new StringBuilder();
        while (!got.toString().endsWith("\r\n\r\nOK")) {
            in.clear();
            if (channel.read(in) < 0) {
                break;
            }
            got.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
        }
        return got.toString();
    }
}
