package org.sockwarden.proxy.forward;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Why the engine cannot be reached, in words that fix it. Most often the socket's group differs
 * between host and container and the proxy's user is not in it; saying so with numbers saves the
 * reader an hour.
 */
public record EngineDiagnosis(int status, String message) {

    /** Runs the checks now; cheap enough for every failed connection. */
    public static EngineDiagnosis of(Path socket, Throwable cause) {
        ProcessIdentity me = ProcessIdentity.current();
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !Files.exists(socket)) {
            Path parent = socket.toAbsolutePath().getParent();
            if (parent != null && Files.isDirectory(parent) && !Files.isExecutable(parent)) {
                return new EngineDiagnosis(503, "Docker engine socket " + socket + " cannot be reached: directory " + parent
                        + " is not searchable by " + me + " (" + describe(parent) + ")");
            }
            return new EngineDiagnosis(502, "Docker engine socket " + socket + " does not exist: is the engine running,"
                    + " and is the socket mounted into this container (-v /var/run/docker.sock:" + socket + ")?");
        }
        String notASocket = notASocket(socket);
        if (notASocket != null) {
            return new EngineDiagnosis(502, "Docker engine socket " + socket + " is " + notASocket + ", not a socket: "
                    + "point --docker-socket at the engine's socket (a bind mount of a socket the host did not have"
                    + " leaves an empty directory in its place)");
        }
        if (!Files.isWritable(socket) || isPermissionDenied(cause)) {
            String owner = describe(socket);
            Integer gid = attribute(socket, "unix:gid");
            String fix = gid == null ? "" : "; fix: add the group to the proxy (compose: group_add: [\"" + gid
                    + "\"], docker run: --group-add " + gid + "), or give it a socket of its own";
            return new EngineDiagnosis(503, "permission denied on Docker engine socket " + socket + ": sockwarden runs as "
                    + me + " and the socket is " + owner + fix);
        }
        return new EngineDiagnosis(502, "Docker engine at " + socket + " is not answering: " + rootMessage(cause)
                + " (the socket exists; is dockerd running?)");
    }

    /** What is at {@code path} if it is not a socket (following links, as a connect does), or null. */
    private static String notASocket(Path path) {
        try {
            var attributes = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
            return attributes.isDirectory() ? "a directory" : attributes.isRegularFile() ? "a regular file" : null;
        } catch (IOException e) {
            return null; // a dangling link or no permission: the checks below say which
        }
    }

    private static boolean isPermissionDenied(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Permission denied")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable cause) {
        Throwable t = cause;
        while (t != null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == null ? "unknown error" : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    static String describe(Path path) {
        try {
            Integer uid = attribute(path, "unix:uid");
            Integer gid = attribute(path, "unix:gid");
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
            return "owned by uid " + uid + ", gid " + gid + ", mode " + mode;
        } catch (IOException | UnsupportedOperationException e) {
            return "not inspectable (" + e.getMessage() + ")";
        }
    }

    private static Integer attribute(Path path, String name) {
        try {
            return (Integer) Files.getAttribute(path, name);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** This process's uid, gid and supplementary groups, read from /proc (no native code). */
    record ProcessIdentity(String uid, String gid, List<String> groups) {
        static ProcessIdentity current() {
            String uid = "?";
            String gid = "?";
            List<String> groups = List.of();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        uid = line.substring(4).trim().split("\\s+")[0];
                    } else if (line.startsWith("Gid:")) {
                        gid = line.substring(4).trim().split("\\s+")[0];
                    } else if (line.startsWith("Groups:")) {
                        String g = line.substring(7).trim();
                        groups = g.isEmpty() ? List.of() : List.of(g.split("\\s+"));
                    }
                }
            } catch (IOException e) {
                // Not Linux: say what we know.
            }
            return new ProcessIdentity(uid, gid, groups);
        }

        @Override
        public String toString() {
            return "uid " + uid + ", gid " + gid + ", groups " + (groups.isEmpty() ? "(none)" : String.join(",", groups));
        }
    }

    /** Checked once at startup so a misconfigured socket shows up before the first request. */
    public static String startupCheck(Path socket) {
        if (Files.exists(socket) && Files.isWritable(socket) && Files.isReadable(socket)) {
            return null;
        }
        return of(socket, null).message();
    }

}
