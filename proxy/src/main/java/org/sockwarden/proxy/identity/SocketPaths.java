package org.sockwarden.proxy.identity;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Client socket paths by where they really are, so that two spellings of one file
 * ({@code /var/run/sw/h.sock} and {@code /run/sw/h.sock}) are one socket, and the engine's socket
 * and sockwarden's own files are never a client's.
 */
public final class SocketPaths {
    /** sun_path holds 108 bytes with the terminating NUL. */
    static final int MAX_BYTES = 107;
    /** The file type bits of st_mode, and the type of a socket (stat(2)). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketPaths() {}

    /**
     * The socket's real location: its directory with every symbolic link resolved (the deepest
     * directory that exists, through {@link Path#toRealPath}, then the rest as written), and its own
     * name as written, never followed: the socket itself is what sockwarden creates there.
     *
     * @throws IllegalArgumentException for a relative path, a {@code .} or {@code ..} segment (a
     *                                  path means one place as it is written), or one too long for a socket
     */
    public static Path realLocation(String text) {
        Path path = Path.of(text);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("a socket path is absolute: \"" + text + "\"");
        }
        for (Path segment : path) {
            if (segment.toString().equals(".") || segment.toString().equals("..")) {
                throw new IllegalArgumentException("a socket path has no . or .. segment: \"" + text + "\"");
            }
        }
        if (path.getFileName() == null) {
            throw new IllegalArgumentException("a socket path names a file: \"" + text + "\"");
        }
        Path existing = path.getParent();
        while (!Files.isDirectory(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing.toRealPath().resolve(existing.relativize(path.getParent())).resolve(path.getFileName());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot tell where \"" + text + "\" is: " + e.getMessage(), e);
        }
        int bytes = real.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException("socket path " + real + (real.toString().equals(text) ? "" : " (" + text + ")")
                    + " is " + bytes + " bytes long; a unix socket's is at most " + MAX_BYTES);
        }
        return real;
    }

    /**
     * Why {@code real} (a {@link #realLocation}) is no place for a client's socket, or null: the
     * engine's socket; the data directory, and in it anything but a name ending in {@code .sock}
     * (sockwarden's database, keys and status never do); a file there that is not a socket.
     */
    public static String refusal(Path real, Path dataDir, Path engineSocket) {
        if (real.equals(resolved(engineSocket))) {
            return "socket " + real + " is the Docker engine's socket" + (real.equals(engineSocket) ? "" : " (" + engineSocket + ")");
        }
        Path data = resolved(dataDir);
        if (real.startsWith(data) && (real.equals(data) || !real.getFileName().toString().endsWith(".sock"))) {
            return real + " is in sockwarden's data directory " + data + ", where only names ending in .sock can be client sockets";
        }
        try {
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) Files.getAttribute(real, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
            if (type != S_IFSOCK) {
                return real + " is " + (a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory"
                        : a.isRegularFile() ? "a file" : "a device or a pipe") + ", not a socket";
            }
        } catch (IOException e) {
            // nothing there yet: the proxy creates the socket
        }
        return null;
    }

    /** Whether a process accepts connections on the socket at {@code path} (a stale socket file of a stopped process does not). */
    public static boolean answers(Path path) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A path with every link resolved, the last one too when it exists (the engine's socket is often a link). */
    private static Path resolved(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            try {
                return realLocation(p.toAbsolutePath().toString());
            } catch (IllegalArgumentException notAPlace) {
                return p.toAbsolutePath().normalize();
            }
        }
    }
}
