package org.sockwarden.proxy.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range a client may connect from, e.g. {@code 127.0.0.0/8} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefix, String text) {

    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        if (!host.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP range: " + text + " (write e.g. 172.18.0.0/16 or ::1/128)");
        }
        try {
            byte[] address = InetAddress.getByName(host).getAddress();
            int prefix = slash < 0 ? address.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("prefix out of range in " + text);
            }
            return new Cidr(address, prefix, text);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not an IP range: " + text + " (write e.g. 172.18.0.0/16 or ::1/128)", e);
        }
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
