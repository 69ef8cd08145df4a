package org.sockwarden.proxy.identity;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The uid of the process at the other end of a unix socket, from {@code SO_PEERCRED}. The JDK
 * gives a user name, not a number; names are mapped back through /etc/passwd, and a uid without
 * a name arrives as its number.
 */
public final class PeerCredentials {
    private static final Map<String, Integer> UIDS = new ConcurrentHashMap<>();

    private PeerCredentials() {}

    /** The peer's uid, or -1 if it cannot be told (not a unix socket, unknown name). */
    public static int uid(SocketChannel channel) {
        try {
            UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return uidOf(principal.user().getName());
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    static int uidOf(String name) {
        if (name.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(name);
        }
        return UIDS.computeIfAbsent(name, n -> {
            try {
                for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                    String[] f = line.split(":");
                    if (f.length > 2 && f[0].equals(n)) {
                        return Integer.parseInt(f[2]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // unknown: treated as no match
            }
            return -1;
        });
    }
}
