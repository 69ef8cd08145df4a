package org.sockwarden.certs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The names and addresses a server certificate carries as SANs. */
public record ServerNames(List<String> dnsNames, List<InetAddress> ips) {
    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*");

    public ServerNames {
        dnsNames = List.copyOf(dnsNames);
        ips = List.copyOf(ips);
    }

    /** {@code localhost}, this host's name, {@code 127.0.0.1} and {@code ::1}. */
    public static ServerNames defaults() {
        Set<String> dns = new LinkedHashSet<>(List.of("localhost"));
        String host = hostName();
        if (host != null && isDnsName(host)) {
            dns.add(host);
        }
        try {
            return new ServerNames(List.copyOf(dns), List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("literal addresses need no lookup", e);
        }
    }

    /** These names plus {@code more}, without duplicates, in order. */
    public ServerNames plus(List<String> moreDnsNames, List<InetAddress> moreIps) {
        Set<String> dns = new LinkedHashSet<>(dnsNames);
        dns.addAll(moreDnsNames);
        Set<InetAddress> addresses = new LinkedHashSet<>(ips);
        addresses.addAll(moreIps);
        return new ServerNames(List.copyOf(dns), List.copyOf(addresses));
    }

    /** A host name or a wildcard ({@code *.example.com}); not an IP address. */
    static boolean isDnsName(String name) {
        return name.length() <= 253 && DNS_NAME.matcher(name).matches() && !name.matches("[0-9.]+");
    }

    private static String hostName() {
        try {
            // getLocalHost() fails when the host name does not resolve (common in containers); the kernel still knows it.
            return InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (UnknownHostException e) {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim().toLowerCase(java.util.Locale.ROOT);
            } catch (IOException | RuntimeException e2) {
                return null;
            }
        }
    }
}
