package org.sockwarden.proxy.listener;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.sockwarden.proxy.identity.ListenerAddress;

/**
 * The files of the unix-socket listeners, from creation to removal.
 *
 * <ul>
 *   <li><b>Create</b>: the socket is bound inside a fresh private directory (0700) next to its
 *       path, given its mode and owner there, and renamed into place. It never exists at its path
 *       with the umask's mode or the proxy's owner, and nothing is done through a name someone
 *       else could swap for a symbolic link: the rename replaces a link itself, never its target.</li>
 *   <li><b>Refuse</b>: a path whose real location (its directory's symbolic links resolved) is
 *       the engine's socket, the data directory, or the socket of another listener; a path that
 *       holds a directory, a regular file, a symbolic link or anything else that is not a socket;
 *       and a socket another process answers on. Only a socket nobody answers on (one an earlier
 *       run left) is replaced.</li>
 *   <li><b>Secure</b>: a new mode or owner is applied to the live socket through a hard link in a
 *       private directory, after checking that the link is to the very file this listener made, so
 *       open connections stay and nothing is followed.</li>
 *   <li><b>Remove</b>: the listener stops, and its path is deleted only if it still holds that file.</li>
 * </ul>
 *
 * Used under the server's lock ({@code ProxyServer.apply}).
 */
final class UnixSocketListeners {

    /** The longest path a unix socket can be bound to (sun_path is 108 bytes with its terminating NUL). */
    static final int MAX_PATH_BYTES = UnixDomainServerConnector.MAX_UNIX_DOMAIN_PATH_LENGTH;

    /** One open socket: what it was opened as, where it really is, and which file it is. */
    private record Bound(ListenerAddress.Unix address, UnixDomainServerConnector connector, Path location, Object fileKey) {}

    private final Server server;
    private final BiFunction<ListenerAddress.Unix, Path, UnixDomainServerConnector> newConnector;
    private final Path engineSocket;
    private final Path dataDirectory;
    private final Map<String, Bound> bound = new HashMap<>();

    /**
     * @param newConnector a connector (not yet added or started) for the address, bound to the given path
     * @param dataDirectory refused as a socket path; null when there is none (tests)
     */
    UnixSocketListeners(Server server, BiFunction<ListenerAddress.Unix, Path, UnixDomainServerConnector> newConnector, Path engineSocket, Path dataDirectory) {
        this.server = server;
        this.newConnector = newConnector;
        this.engineSocket = engineSocket;
        this.dataDirectory = dataDirectory;
    }

    Set<String> keys() {
        return bound.keySet();
    }

    ListenerAddress.Unix address(String key) {
        return bound.get(key).address();
    }

    /** Opens {@code address}'s socket and starts serving it; throws, changing nothing, if the path is refused or the bind fails. */
    void open(ListenerAddress.Unix address) throws IOException {
        Path target = address.path().toAbsolutePath();
        Path parent = target.getParent();
        if (parent == null) {
            throw new IOException("a socket needs a directory to live in, not " + target);
        }
        Files.createDirectories(parent);
        Path location = location(target);
        refuseReserved(location);
        for (var e : bound.entrySet()) {
            if (e.getValue().location().equals(location)) {
                throw new IOException(target + " is the same file as " + e.getKey() + ", which is already open");
            }
        }
        Object stale = replaceable(location);
        Path privateDir = privateDirectory(parent);
        Path temporary = privateDir.resolve("s");
        UnixDomainServerConnector connector = null;
        boolean done = false;
        try {
            if (temporary.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
                throw new IOException("socket path " + target + " is too long to be created safely (binding it next to its place takes "
                        + temporary.toString().getBytes(StandardCharsets.UTF_8).length + " bytes, over the limit of " + MAX_PATH_BYTES
                        + "): use a shorter directory");
            }
            connector = newConnector.apply(address, temporary);
            server.addConnector(connector);
            try {
                connector.start();
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("cannot bind " + target + ": " + e.getMessage(), e);
            }
            setModeAndOwner(temporary, address);
            // What was checked is still there (nothing, or the same stale socket): then the rename takes its place.
            if (!Objects.equals(fileKeyOrNull(location), stale)) {
                throw new IOException(target + " changed while its socket was being created; not replacing it");
            }
            // Which file this is, read where nobody else can reach it: the rename keeps it, and whatever
            // someone puts at the path afterwards is never taken for it.
            Object made = fileKeyOrNull(temporary);
            Files.move(temporary, location, StandardCopyOption.ATOMIC_MOVE);
            bound.put(address.key(), new Bound(address, connector, location, made));
            done = true;
        } finally {
            if (!done && connector != null) {
                stopQuietly(connector);
            }
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(privateDir);
        }
    }

    /** Gives an open socket a new mode or owner in place; its connections stay. */
    void secure(String key, ListenerAddress.Unix address) throws IOException {
        Bound b = bound.get(key);
        Path privateDir = privateDirectory(b.location().getParent());
        Path link = privateDir.resolve("s");
        try {
            // link(2) does not follow a symbolic link: whatever is at the path now is what gets linked.
            Files.createLink(link, b.location());
            if (!b.fileKey().equals(fileKeyOrNull(link))) {
                throw new IOException(b.location() + " is no longer the socket sockwarden made; not changing it");
            }
            setModeAndOwner(link, address);
            bound.put(key, new Bound(address, b.connector(), b.location(), b.fileKey()));
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(privateDir);
        }
    }

    /** Stops the listener and deletes its socket file, if the path still holds it. */
    void close(String key) {
        Bound b = bound.remove(key);
        if (b == null) {
            return;
        }
        stopQuietly(b.connector());
        try {
            if (b.fileKey().equals(fileKeyOrNull(b.location()))) {
                Files.delete(b.location());
            }
        } catch (IOException ignored) {
            // gone already, or the directory is gone: nothing of ours is left there
        }
    }

    void closeAll() {
        for (String key : Set.copyOf(bound.keySet())) {
            close(key);
        }
    }

    /** The path with its directory's symbolic links resolved; the name itself is not followed. */
    private static Path location(Path target) throws IOException {
        return target.getParent().toRealPath().resolve(target.getFileName());
    }

    private void refuseReserved(Path location) throws IOException {
        if (location.equals(locationOrNull(engineSocket.toAbsolutePath())) || location.equals(realPathOrNull(engineSocket))) {
            throw new IOException(location + " is the Docker engine's socket (--docker-socket); a client's socket must be a path of its own");
        }
        if (dataDirectory != null && location.equals(realPathOrNull(dataDirectory))) {
            throw new IOException(location + " is sockwarden's data directory; a client's socket must be a path of its own");
        }
    }

    /** The file key of the stale socket at {@code location} (to be replaced), or null if nothing is there; throws for anything else. */
    private static Object replaceable(Path location) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(location, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        String what = a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory" : a.isRegularFile() ? "a regular file"
                : !isSocket(location) ? "not a socket" : null;
        if (what != null) {
            throw new IOException(location + " is " + what + "; sockwarden replaces only a socket nobody answers on");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(location));
        } catch (java.net.ConnectException refused) {
            return a.fileKey(); // a socket nobody listens on, as an earlier run leaves it
        } catch (IOException e) {
            throw new IOException(location + " is a socket sockwarden cannot probe (" + e.getMessage() + "); not replacing it", e);
        }
        throw new IOException(location + " is the live socket of another process; sockwarden does not take it over");
    }

    private static boolean isSocket(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & 0170000) == 0140000;
    }

    /** A fresh directory next to {@code parent}'s socket, readable by nobody else (created with mode 0700, not chmod-ed to it). */
    private static Path privateDirectory(Path parent) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path dir = parent.resolve(".sw" + Long.toString(System.nanoTime() & 0xffffffL, 36) + attempt);
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    /**
     * Sets the socket's owner (lchown: never through a link) and mode. The mode is set by path,
     * which follows a link, and is safe only because {@code socket} is in a directory nobody else can
     * enter: Java has no lchmod, and fchmod on a socket does not reach its file.
     */
    private static void setModeAndOwner(Path socket, ListenerAddress.Unix address) throws IOException {
        if (address.uid() != null) {
            Files.setAttribute(socket, "unix:uid", address.uid(), LinkOption.NOFOLLOW_LINKS);
        }
        if (address.gid() != null) {
            Files.setAttribute(socket, "unix:gid", address.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(modeString(address.mode())));
    }

    static String modeString(String octal) {
        int mode = Integer.parseInt(octal == null ? "0660" : octal, 8);
        StringBuilder b = new StringBuilder(9);
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            b.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }

    private static Object fileKeyOrNull(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Path locationOrNull(Path path) {
        try {
            return location(path);
        } catch (IOException e) {
            return null;
        }
    }

    private static Path realPathOrNull(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    private void stopQuietly(UnixDomainServerConnector connector) {
        try {
            connector.stop();
        } catch (Exception ignored) {
            // closing anyway
        }
        server.removeConnector(connector);
    }
}
