package org.sockwarden.proxy.identity;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.sockwarden.certs.TlsMaterial;
import javax.net.ssl.X509TrustManager;

/**
 * An immutable picture of every client and listener. The proxy swaps in a new one atomically
 * when the policy changes; requests read whichever was current when they started.
 *
 * <p>Building one never fails. Clients whose stored policy cannot be applied (a
 * {@link ClientConfig#problems() problem} found while reading it, or a claim another client
 * makes too: a listener, a socket, a certificate, a subject mapping, a name) are kept, but with
 * no permission, and {@link #resolve} gives no client for any of their identities: they are
 * served deny-all, every client of a collision alike, while everything else in the picture
 * applies. {@link #problems()} lists why, for the log and for health.
 */
public final class Directory {

    /** Why a client is served deny-all. */
    public record Problem(String client, String reason) {}

    /** What was decided about one certificate in this directory; only acceptances are kept. */
    private record Acceptance(ClientConfig client, long notBefore, long notAfter) {}

    /** Acceptances kept per directory; a directory lives until the next policy change. */
    private static final int MAX_REMEMBERED = 4096;

    private final long version;
    private final Map<String, ClientConfig> byName;
    private final Map<String, ClientConfig> byListener;
    private final Map<String, ListenerAddress> listeners;
    private final Map<String, ClientConfig> byFingerprint;
    private final Map<String, List<Map.Entry<SubjectMapping, ClientConfig>>> bySubject;
    private final Map<String, String> revoked;
    private final List<X509Certificate> trustedCas;
    private final List<Problem> problems;
    private final Map<String, Acceptance> accepted = new ConcurrentHashMap<>();
    private volatile X509TrustManager trust;

    public Directory(long version, Collection<ClientConfig> clients) {
        this(version, clients, Map.of(), List.of());
    }

    /**
     * @param revoked    fingerprint → why it is no longer accepted (for the log line of a refusal)
     * @param trustedCas the CAs a client certificate must chain to; certificates are accepted only then
     */
    public Directory(long version, Collection<ClientConfig> clients, Map<String, String> revoked, List<X509Certificate> trustedCas) {
        this.version = version;
        this.revoked = Map.copyOf(revoked);
        this.trustedCas = List.copyOf(trustedCas);
        List<ClientConfig> all = List.copyOf(clients);

        // Every claim that must be one client's only, with all clients that make it; clients by position.
        List<List<String>> collisions = new ArrayList<>();
        all.forEach(c -> collisions.add(new ArrayList<>()));
        claims(all, c -> List.of(c.name()), (k, other) -> "another client is also named \"" + other + "\"", collisions);
        Map<String, ListenerAddress> addresses = new LinkedHashMap<>();
        for (ClientConfig c : all) {
            c.listeners().forEach(l -> addresses.putIfAbsent(l.key(), l));
        }
        claims(all, c -> c.listeners().stream().map(ListenerAddress::key).toList(),
                (key, other) -> describe(addresses.get(key)) + " is also the " + (key.startsWith("unix:") ? "socket" : "listener")
                        + " of client \"" + other + "\"", collisions);
        claims(all, c -> List.copyOf(c.certFingerprints()),
                (fp, other) -> "certificate " + fp + " is also that of client \"" + other + "\"", collisions);
        Map<String, SubjectMapping> mappings = new LinkedHashMap<>();
        for (ClientConfig c : all) {
            c.certSubjects().forEach(m -> mappings.putIfAbsent(m.key(), m));
        }
        claims(all, c -> c.certSubjects().stream().map(SubjectMapping::key).toList(),
                (key, other) -> "certificate " + mappings.get(key) + " is also mapped to client \"" + other + "\"", collisions);

        Map<String, ClientConfig> names = new LinkedHashMap<>();
        Map<String, ClientConfig> listenerOwners = new LinkedHashMap<>();
        Map<String, ClientConfig> fingerprints = new LinkedHashMap<>();
        Map<String, List<Map.Entry<SubjectMapping, ClientConfig>>> subjects = new LinkedHashMap<>();
        List<Problem> found = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ClientConfig c = all.get(i);
            List<String> more = collisions.get(i);
            ClientConfig served = more.isEmpty() && c.applies() ? c : c.denyAll(more);
            served.problems().forEach(p -> found.add(new Problem(c.name(), p)));
            names.putIfAbsent(c.name(), served);
            served.listeners().forEach(l -> listenerOwners.putIfAbsent(l.key(), served));
            served.certFingerprints().forEach(fp -> fingerprints.putIfAbsent(fp, served));
            served.certSubjects().forEach(m -> subjects.computeIfAbsent(m.subject(), x -> new ArrayList<>()).add(Map.entry(m, served)));
        }
        this.byName = Collections.unmodifiableMap(names);
        this.byListener = Collections.unmodifiableMap(listenerOwners);
        this.listeners = Collections.unmodifiableMap(addresses);
        this.byFingerprint = Collections.unmodifiableMap(fingerprints);
        this.bySubject = Collections.unmodifiableMap(subjects);
        this.problems = List.copyOf(found);
    }

    /** Adds to {@code into} (by client position), for each claim made by more than one client, what each is told about the others. */
    private static void claims(List<ClientConfig> all, Function<ClientConfig, List<String>> claimsOf,
                               BiFunction<String, String, String> message, List<List<String>> into) {
        Map<String, Set<Integer>> claimants = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            for (String claim : claimsOf.apply(all.get(i))) {
                claimants.computeIfAbsent(claim, k -> new LinkedHashSet<>()).add(i);
            }
        }
        claimants.forEach((claim, positions) -> {
            if (positions.size() > 1) {
                for (int i : positions) {
                    for (int other : positions) {
                        if (other != i) {
                            into.get(i).add(message.apply(claim, all.get(other).name()));
                        }
                    }
                }
            }
        });
    }

    private static String describe(ListenerAddress address) {
        return address instanceof ListenerAddress.Unix u ? "socket " + u.path() : "port " + address.key();
    }

    public long version() {
        return version;
    }

    /** The client whose listener this is (served deny-all if it has problems), or null: for wiring listeners, not for deciding. */
    public ClientConfig byListener(String key) {
        return byListener.get(key);
    }

    /**
     * The client an identity stands for, or null ({@link #whyNot} says why): no such listener or
     * certificate, a certificate revoked, expired, not chaining to a trusted CA, or matching more
     * than one client, or a client served deny-all.
     *
     * <p>Cost: for a listener, one map lookup. For a certificate, the first call in a directory
     * validates its chain against the trusted CAs (PKIX, a signature check of a subject mapping's CA;
     * a millisecond or so), and an acceptance is remembered by fingerprint: from then on two map
     * lookups and a clock read, so it can be asked for every request of a kept-alive connection.
     * A new directory (any policy change: a revocation, a removed mapping, a changed trusted CA)
     * starts with nothing remembered.
     */
    public ClientConfig resolve(Identity identity) {
        if (identity instanceof Identity.Listener l) {
            ClientConfig c = byListener.get(l.key());
            return c != null && c.applies() ? c : null;
        }
        Identity.Certificate cert = (Identity.Certificate) identity;
        if (revoked.containsKey(cert.fingerprint())) {
            return null;
        }
        Acceptance a = accepted.get(cert.fingerprint());
        if (a == null) {
            Object decided = decide(cert);
            if (!(decided instanceof Acceptance fresh)) {
                return null;
            }
            a = fresh;
            if (accepted.size() < MAX_REMEMBERED) {
                accepted.put(cert.fingerprint(), a);
            }
        }
        long now = System.currentTimeMillis();
        return now >= a.notBefore() && now <= a.notAfter() ? a.client() : null;
    }

    /** Why an identity stands for no client, for the log and the refusal. */
    public String whyNot(Identity identity) {
        if (identity instanceof Identity.Listener l) {
            ClientConfig c = byListener.get(l.key());
            return c == null ? "no client is configured for listener " + l.key() : "client \"" + c.name() + "\" " + refusedEverything(c);
        }
        Identity.Certificate cert = (Identity.Certificate) identity;
        String r = revoked.get(cert.fingerprint());
        if (r != null) {
            return r;
        }
        Object decided = decide(cert);
        if (decided instanceof String refusal) {
            return refusal;
        }
        X509Certificate leaf = cert.leaf();
        return "certificate " + cert.fingerprint() + " (" + leaf.getSubjectX500Principal().getName() + ") is valid from "
                + leaf.getNotBefore().toInstant() + " until " + leaf.getNotAfter().toInstant() + ", not now";
    }

    private static String refusedEverything(ClientConfig c) {
        return "is refused everything until its stored policy can be applied: " + String.join("; ", c.problems());
    }

    /** An {@link Acceptance}, or the reason (a String) the certificate stands for no client. */
    private Object decide(Identity.Certificate cert) {
        X509Certificate leaf = cert.leaf();
        String named = "certificate " + cert.fingerprint() + " (" + leaf.getSubjectX500Principal().getName() + ")";
        long now = System.currentTimeMillis();
        if (now > leaf.getNotAfter().getTime()) {
            return "expired at " + leaf.getNotAfter().toInstant() + ": " + named;
        }
        if (now < leaf.getNotBefore().getTime()) {
            return "not valid before " + leaf.getNotBefore().toInstant() + ": " + named;
        }
        try {
            trustManager().checkClientTrusted(cert.chain().toArray(X509Certificate[]::new), "UNKNOWN");
        } catch (GeneralSecurityException e) {
            return named + " does not chain to a CA this proxy trusts";
        }
        Map<ClientConfig, String> matches = new LinkedHashMap<>();
        ClientConfig byPrint = byFingerprint.get(cert.fingerprint());
        if (byPrint != null) {
            matches.put(byPrint, "by fingerprint");
        }
        String subject = HexFormat.of().formatHex(leaf.getSubjectX500Principal().getEncoded());
        for (Map.Entry<SubjectMapping, ClientConfig> m : bySubject.getOrDefault(subject, List.of())) {
            if (signedBy(leaf, m.getKey().ca())) {
                matches.putIfAbsent(m.getValue(), "by its subject, signed by " + m.getKey().ca().getSubjectX500Principal().getName());
            }
        }
        if (matches.isEmpty()) {
            return named + " is not issued or mapped to any client";
        }
        if (matches.size() > 1) {
            return named + " matches more than one client (" + matches.entrySet().stream()
                    .map(e -> "\"" + e.getKey().name() + "\" " + e.getValue()).collect(Collectors.joining(", "))
                    + "); it is refused until only one mapping can match it";
        }
        ClientConfig client = matches.keySet().iterator().next();
        if (!client.applies()) {
            return named + " is that of client \"" + client.name() + "\", which " + refusedEverything(client);
        }
        long notAfter = leaf.getNotAfter().getTime();
        for (X509Certificate c : cert.chain()) {
            notAfter = Math.min(notAfter, c.getNotAfter().getTime());
        }
        return new Acceptance(client, leaf.getNotBefore().getTime(), notAfter);
    }

    /** Whether {@code ca}'s key made the leaf's signature (its issuer name must be the CA's name, too). */
    private static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
        if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            leaf.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The handshake's PKIX checks of a client chain, against this directory's CAs; made on the first certificate asked about. */
    private X509TrustManager trustManager() throws GeneralSecurityException {
        X509TrustManager t = trust;
        if (t == null) {
            if (trustedCas.isEmpty()) {
                throw new GeneralSecurityException("no CA is trusted");
            }
            t = TlsMaterial.clientTrust(trustedCas);
            trust = t;
        }
        return t;
    }

    /** A client by name (served deny-all if it has problems), or null. */
    public ClientConfig byName(String name) {
        return byName.get(name);
    }

    /** Every client, those served deny-all included. */
    public Collection<ClientConfig> clients() {
        return byName.values();
    }

    /** Every listener, by key. */
    public Map<String, ListenerAddress> listeners() {
        return listeners;
    }

    /** Why clients are served deny-all; empty when the whole stored policy applies. */
    public List<Problem> problems() {
        return problems;
    }
}
