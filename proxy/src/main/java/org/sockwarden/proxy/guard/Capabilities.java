package org.sockwarden.proxy.guard;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Linux capability names as the engine normalises them: upper-cased, with or without {@code CAP_}
 * ({@code sys_admin}, {@code CAP_SYS_ADMIN} and {@code Sys_Admin} are one capability), and
 * {@code ALL}. Go upper-cases with Unicode rules ({@code ſys_admin} becomes {@code SYS_ADMIN}), so a
 * name with non-ASCII letters is refused rather than compared.
 */
final class Capabilities {
    private Capabilities() {}

    static final String ALL = "ALL";

    /** Every capability of Linux 5.9 and later, without the CAP_ prefix, in kernel order. */
    static final List<String> KNOWN = List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
            "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
            "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN",
            "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
            "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
            "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

    /** Docker's default set (oci/caps/defaults.go): what a container has without CapAdd. */
    static final Set<String> DEFAULT = Set.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
            "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE");

    /**
     * The name as the engine reads it, without {@code CAP_}: {@code SYS_ADMIN}, or {@code ALL}. Null when it
     * has non-ASCII characters (which the engine's Unicode upper-casing could turn into a real name).
     */
    static String normalize(String name) {
        if (!Shape.isAscii(name)) {
            return null;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals(ALL)) {
            return ALL;
        }
        return upper.startsWith("CAP_") ? upper.substring(4) : upper;
    }
}
