package org.sockwarden.proxy.identity;

import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * An immutable picture of every client and listener. The proxy swaps in a new one atomically
 * when the policy changes; requests read whichever was current when they started.
 */
public final class Directory {
    private final long version;
    private final Map<String, ClientConfig> byName;
    private final Map<String, ClientConfig> byListener;
    private final Map<String, ListenerAddress> listeners;
    private final Map<String, ClientConfig> byFingerprint = new HashMap<>();
    private final Map<String, ClientConfig> bySubject = new HashMap<>();
    private final Map<String, String> revoked;

    public Directory(long version, Collection<ClientConfig> clients) {
        this(version, clients, Map.of());
    }

    /** @param revoked fingerprint → why it is no longer accepted, for the log line of a refused handshake */
    public Directory(long version, Collection<ClientConfig> clients, Map<String, String> revoked) {
        this.revoked = Map.copyOf(revoked);
        this.version = version;
        Map<String, ClientConfig> names = new LinkedHashMap<>();
        Map<String, ClientConfig> byKey = new HashMap<>();
        Map<String, ListenerAddress> addresses = new LinkedHashMap<>();
        for (ClientConfig c : clients) {
            if (names.put(c.name(), c) != null) {
                throw new IllegalArgumentException("two clients named " + c.name());
            }
            for (ListenerAddress l : c.listeners()) {
                ClientConfig other = byKey.put(l.key(), c);
                if (other != null) {
                    throw new IllegalArgumentException(l.key() + " is the listener of both \"" + other.name() + "\" and \"" + c.name() + "\"");
                }
                addresses.put(l.key(), l);
            }
            for (String fp : c.certFingerprints()) {
                ClientConfig other = byFingerprint.put(fp, c);
                if (other != null && other != c) {
                    throw new IllegalArgumentException("certificate " + fp + " belongs to both \"" + other.name() + "\" and \"" + c.name() + "\"");
                }
            }
            for (String subject : c.certSubjects()) {
                bySubject.put(canonical(subject), c);
            }
        }
        this.byName = Collections.unmodifiableMap(names);
        this.byListener = Collections.unmodifiableMap(byKey);
        this.listeners = Collections.unmodifiableMap(addresses);
    }

    public long version() {
        return version;
    }

    /** The client whose listener this is, or null. */
    public ClientConfig byListener(String key) {
        return byListener.get(key);
    }

    /** Identity resolution: the client an identity stands for, or null. */
    public ClientConfig resolve(Identity identity) {
        if (identity instanceof Identity.Certificate c) {
            return byCertificate(c.fingerprint(), c.certificate());
        }
        return byListener(((Identity.Listener) identity).key());
    }

    /** Why an identity stands for no client, for the log and the refusal. */
    public String whyNot(Identity identity) {
        if (identity instanceof Identity.Certificate c) {
            return whyNot(c.fingerprint(), c.certificate().getSubjectX500Principal());
        }
        return "no client is configured for listener " + ((Identity.Listener) identity).key();
    }

    /**
     * The client a TLS client certificate identifies (its fingerprint first, then a subject mapping), or null.
     * Runs for every request over TLS: the subject, costly to decode, is read only when the fingerprint is not known.
     */
    public ClientConfig byCertificate(String fingerprint, X509Certificate certificate) {
        if (revoked.containsKey(fingerprint)) {
            return null;
        }
        ClientConfig c = byFingerprint.get(fingerprint);
        return c != null || bySubject.isEmpty() ? c : bySubject.get(certificate.getSubjectX500Principal().getName(X500Principal.CANONICAL));
    }

    /** Why a certificate identifies no client, for the log and the refusal. */
    public String whyNot(String fingerprint, X500Principal subject) {
        String r = revoked.get(fingerprint);
        return r != null ? r : "certificate " + fingerprint + " (" + subject.getName() + ") is not issued or mapped to any client";
    }

    static String canonical(String subject) {
        return new X500Principal(subject).getName(X500Principal.CANONICAL);
    }

    public ClientConfig byName(String name) {
        return byName.get(name);
    }

    public Collection<ClientConfig> clients() {
        return byName.values();
    }

    /** Every listener, by key. */
    public Map<String, ListenerAddress> listeners() {
        return listeners;
    }
}
