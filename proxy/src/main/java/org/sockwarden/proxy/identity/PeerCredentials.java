package org.sockwarden.proxy.identity;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import jdk.net.ExtendedSocketOptions;

/**
 * The numeric uid of the process at the other end of a unix socket, as the kernel reports it with
 * {@code SO_PEERCRED}, with no user name in between.
 *
 * <p>Java 17 hands {@code SO_PEERCRED} over as a {@link jdk.net.UnixDomainPrincipal}: the kernel's uid
 * becomes a {@link UserPrincipal} whose name is what {@code getpwuid} says through NSS (the decimal uid
 * when there is no entry). A name is not a uid: an entry named {@code 1000} may have uid 1005, a user
 * known only to NSS (LDAP, systemd) is not in /etc/passwd, two entries may share a name, and reading
 * the name back to a number is another lookup that can answer differently. The JDK's principal keeps
 * the number it was made from, though: on Unix ({@code sun.nio.fs.UnixUserPrincipals.User}) two
 * principals are equal exactly when their uids are, and the hash code is the uid. That number is
 * what this class reads, through the public {@link Object#hashCode()}, no reflection.
 *
 * <p>Because that is a property of the JDK's class rather than of its specification, it is checked
 * once, against the numeric owners of files ({@code unix:uid}, read with {@code stat}): the principal
 * class that {@link Files#getOwner} returns for them must hash to exactly that uid. The peer's
 * principal is read only if it is of that same class; otherwise (another JDK, another platform) the
 * uid is unknown (-1), which no {@code --peer-uid} admits: the check fails closed. Ways around the
 * JDK's principal were ruled out: /proc/net/unix and /proc/PID name the peer only by inode or pid,
 * which can be reused between the lookup and the check, and getsockopt itself needs JNI or the
 * socket's file descriptor, which Java 17 exposes only through reflection.
 */
public final class PeerCredentials {
    /** The principal class whose hash code was seen to be its uid, or null if none was. */
    private static final Class<?> NUMERIC_PRINCIPAL = numericPrincipalClass();

    private PeerCredentials() {}

    /** The peer's uid, or -1 if it cannot be told (not a unix socket, or a JDK whose principal does not carry it). */
    public static int uid(SocketChannel channel) {
        try {
            return uid(channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user());
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    static int uid(UserPrincipal user) {
        return user.getClass() == NUMERIC_PRINCIPAL ? user.hashCode() : -1;
    }

    /** "/" belongs to root; /proc/self to this process's uid, another number unless the proxy runs as root. */
    private static Class<?> numericPrincipalClass() {
        Class<?> seen = null;
        try {
            for (Path p : List.of(Path.of("/"), Path.of("/proc/self"))) {
                UserPrincipal owner = Files.getOwner(p);
                int uid = (Integer) Files.getAttribute(p, "unix:uid");
                if (owner.hashCode() != uid || (seen != null && seen != owner.getClass())) {
                    return null;
                }
                seen = owner.getClass();
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return null;
        }
        return seen;
    }
}
