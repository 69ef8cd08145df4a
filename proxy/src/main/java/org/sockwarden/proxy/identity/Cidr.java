package org.sockwarden.proxy.identity;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * An address range a client may connect from, e.g. {@code 127.0.0.0/8} or {@code ::1/128}; a
 * bare address is the range of that address alone. {@code text} is its one spelling
 * ({@link IpAddresses#text}, then the prefix length).
 */
public record Cidr(byte[] network, int prefix, String text) {

    private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]{0,2}");

    /**
     * Reads a numeric range. Refused, each with a message naming the value: names (never looked
     * up), shorthands such as {@code 10.1}, a prefix longer than the address, and set host bits
     * ({@code 10.1.2.3/8}): such a range usually means a typo in the address or in the prefix, and
     * reading it either way would guess. IPv4-mapped IPv6 ranges are refused too: a connection
     * from an IPv4 client arrives as an IPv4 address, which such a range would never contain.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        byte[] address;
        try {
            address = IpAddresses.parseBytes(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP range: \"" + text + "\" (write e.g. 172.18.0.0/16 or ::1/128;"
                    + " names are not looked up, and shorthands such as 10.1 are not accepted)", e);
        }
        if (IpAddresses.isIpv4Mapped(address)) {
            throw new IllegalArgumentException("\"" + text + "\" is an IPv4-mapped IPv6 range: IPv4 clients connect with their IPv4 address,"
                    + " so write the range as IPv4 (e.g. 10.0.0.0/8)");
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!PREFIX.matcher(p).matches() || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("bad prefix length in \"" + text + "\": a number from 0 to " + bits);
            }
            prefix = Integer.parseInt(p);
        }
        byte[] network = masked(address, prefix);
        String canonical = IpAddresses.text(network) + "/" + prefix;
        if (!java.util.Arrays.equals(network, address)) {
            throw new IllegalArgumentException("\"" + text + "\" has bits set after its first " + prefix + ": the range it names is "
                    + canonical + " (write that), or the prefix is not the one meant");
        }
        return new Cidr(network, prefix, canonical);
    }

    private static byte[] masked(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest);
        return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
