package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
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

/**
 * The most common production failure: the proxy's user is not in the socket's group. sockwarden
 * runs here as uid 65534 against a socket owned by root:4242, mode 0660, and must say so with
 * the numbers and the group_add that fixes it, at startup and in the 503.
 */
class SocketPermissionTest {

    @Test
    void socketTheProxyCannotOpenIsDiagnosed(@TempDir Path tmp) throws Exception {
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
        boolean setpriv = new File("/usr/bin/setpriv").canExecute() || new File("/bin/setpriv").canExecute();
        if (!root || !setpriv) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI runs as root with setpriv (util-linux): this test must run there");
            }
            Assumptions.abort("needs root and setpriv to run the proxy as another user");
        }
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            engine.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            Files.setAttribute(socket, "unix:gid", 4242);

            Path classpath = worldReadableClasspath(dir.resolve("cp"));
            int port = freePort();
            Process proxy = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "java", "-cp", classpath + "/*", "org.sockwarden.admin.Main", "serve",
                    "--listen", "127.0.0.1:" + port, "--docker-socket", socket.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
            try {
                String answer = awaitAnswer(port, "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
                assertThat(answer).startsWith("HTTP/1.1 503");
                assertThat(answer).contains("permission denied on Docker engine socket " + socket)
                        .contains("sockwarden runs as uid 65534, gid 65534, groups (none)")
                        .contains("owned by uid 0, gid 4242, mode rw-rw----")
                        .contains("group_add: [\\\"4242\\\"]").contains("--group-add 4242");
                // The log is written by its own thread: wait for the startup line.
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                String log = Files.readString(dir.resolve("proxy.log"));
                while (!log.contains("WARN permission denied") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    log = Files.readString(dir.resolve("proxy.log"));
                }
                assertThat(log).contains("WARN permission denied on Docker engine socket " + socket).contains("--group-add 4242");
            } finally {
                proxy.destroy();
                proxy.waitFor(15, TimeUnit.SECONDS);
                proxy.destroyForcibly();
            }
        }
    }

    /** The test classpath copied where uid 65534 can read it (the Maven repository is root's). */
    private static Path worldReadableClasspath(Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        List<String> copied = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p) && entry.endsWith(".jar")) {
                Files.copy(p, target.resolve(n++ + "-" + p.getFileName()));
            } else if (Files.isDirectory(p) && !entry.contains("test-classes")) {
                Path jar = target.resolve(n++ + "-classes.jar");
                Process zip = new ProcessBuilder("jar", "cf", jar.toString(), "-C", p.toString(), ".").inheritIO().start();
                assertThat(zip.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            copied.add(entry);
        }
        try (var files = Files.walk(target)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        assertThat(copied).isNotEmpty();
        return target;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String awaitAnswer(int port, String request) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("proxy did not answer on port " + port, last);
    }
}
