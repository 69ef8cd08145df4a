package org.sockwarden.proxy.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Numeric IP addresses as an operator writes them, read without any name service: a word that
 * happens to be hex ({@code cafe}) is never looked up, and the {@code inet_aton} shorthands
 * ({@code 10.1} for 10.0.0.1, {@code 010.0.0.1} read as octal) are refused rather than guessed at.
 * {@link InetAddress#getByName} does both, so it is not used for anything an operator types.
 */
public final class IpAddresses {
    private IpAddresses() {}

    /** Four decimal parts 0-255, without leading zeros (which inet_aton reads as octal). */
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

    /** The address {@code text} is, as 4 or 16 bytes; an IPv4-mapped IPv6 address stays 16 bytes. */
    public static byte[] parseBytes(String text) {
        if (IPV4.matcher(text).matches()) {
            return ipv4(text);
        }
        if (text.indexOf(':') >= 0) {
            byte[] v6 = ipv6(text);
            if (v6 != null) {
                return v6;
            }
        }
        throw new IllegalArgumentException("not a numeric IP address: \"" + text + "\" (write e.g. 127.0.0.1 or ::1; names are not looked up,"
                + " and shorthands such as 10.1 are not accepted)");
    }

    /** As {@link #parseBytes}; the JDK turns an IPv4-mapped IPv6 address into its IPv4 address, as it does for connections. */
    public static InetAddress parse(String text) {
        return of(parseBytes(text));
    }

    static InetAddress of(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a length other than 4 or 16
        }
    }

    /** Whether 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
    static boolean isIpv4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** The one spelling of an address: dotted decimal, or RFC 5952 for IPv6 (lower case, the longest run of zeros as ::). */
    public static String text(InetAddress address) {
        return text(address.getAddress());
    }

    static String text(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: the longest run of two or more zero groups, the first of equal runs.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(groups[i]));
        }
        return b.toString();
    }

    private static byte[] ipv4(String text) {
        String[] parts = text.split("\\.");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            out[i] = (byte) Integer.parseInt(parts[i]);
        }
        return out;
    }

    /** RFC 4291 2.2 text forms: eight groups, one "::" for one or more zero groups, an IPv4 tail. Null if not one. */
    private static byte[] ipv6(String text) {
        if (text.indexOf('%') >= 0) {
            return null; // a zone names an interface of this host: no place in a policy
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap < 0 ? text : text.substring(0, gap);
        String tail = gap < 0 ? "" : text.substring(gap + 2);
        int[] headGroups = groups(head, gap < 0);
        int[] tailGroups = groups(tail, true);
        if (headGroups == null || tailGroups == null) {
            return null;
        }
        int given = headGroups.length + tailGroups.length;
        if (gap < 0 ? given != 8 : given > 7) {
            return null;
        }
        int[] all = new int[8];
        System.arraycopy(headGroups, 0, all, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, all, 8 - tailGroups.length, tailGroups.length);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (all[i] >> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        return out;
    }

    /** Colon-separated hex groups; the last may be dotted IPv4 (two groups) when {@code ipv4Tail}. Empty text: none. */
    private static int[] groups(String text, boolean ipv4Tail) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split(":", -1);
        int n = parts.length;
        boolean dotted = ipv4Tail && IPV4.matcher(parts[n - 1]).matches();
        int[] out = new int[dotted ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            if (dotted && i == n - 1) {
                byte[] v4 = ipv4(parts[i]);
                out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
            } else if (HEX_GROUP.matcher(parts[i]).matches()) {
                out[i] = Integer.parseInt(parts[i], 16);
            } else {
                return null;
            }
        }
        return out;
    }
}
