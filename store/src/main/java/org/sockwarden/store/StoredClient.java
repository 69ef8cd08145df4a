package org.sockwarden.store;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A client as stored: names and addresses as text; the proxy gives them meaning. {@code mode} is
 * {@code enforce} or {@code learn}; {@code guardrails} the text form of its guardrails ({@code ""}: the defaults);
 * {@code ownOnly} limits it to what carries its owner label, whose value is {@code ownerId} (given by the store when
 * the client is added, null before; random, never reused); {@code limits} the text form of its limits ({@code ""}: none);
 * {@code redact} the text form of the fields stripped from the container inspect answers it gets ({@code ""}: none).
 */
public record StoredClient(String name, String mode, String guardrails, boolean ownOnly, String ownerId, String limits, String redact,
                           List<Listener> listeners,
                           List<String> sources, List<Integer> peerUids,
                           SortedSet<String> grants, List<String> presets, List<SubjectMapping> certSubjects,
                           List<String> certFingerprints) {

    public static final String ENFORCE = "enforce";
    public static final String LEARN = "learn";

    public StoredClient {
        java.util.Objects.requireNonNull(mode, "mode");
        java.util.Objects.requireNonNull(guardrails, "guardrails");
        java.util.Objects.requireNonNull(limits, "limits");
        java.util.Objects.requireNonNull(redact, "redact");
        listeners = List.copyOf(listeners);
        sources = List.copyOf(sources);
        peerUids = List.copyOf(peerUids);
        grants = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(grants));
        presets = List.copyOf(presets);
        certSubjects = List.copyOf(certSubjects);
        certFingerprints = List.copyOf(certFingerprints);
    }

    public StoredClient(String name, List<Listener> listeners, List<String> sources, List<Integer> peerUids,
                        SortedSet<String> grants, List<String> presets, List<SubjectMapping> certSubjects, List<String> certFingerprints) {
        this(name, ENFORCE, "", false, null, "", "", listeners, sources, peerUids, grants, presets, certSubjects, certFingerprints);
    }

    public StoredClient(String name, List<Listener> listeners, List<String> sources, List<Integer> peerUids,
                        SortedSet<String> grants, List<String> presets) {
        this(name, ENFORCE, "", false, null, "", "", listeners, sources, peerUids, grants, presets, List.of(), List.of());
    }

    /** This client with another identity (listeners, sources, peer uids, certificate mappings); name, mode and grants stay. */
    public StoredClient withIdentity(List<Listener> listeners, List<String> sources, List<Integer> peerUids, List<SubjectMapping> certSubjects,
                                     List<String> certFingerprints) {
        return new StoredClient(name, mode, guardrails, ownOnly, ownerId, limits, redact, listeners, sources, peerUids, grants, presets, certSubjects,
                certFingerprints);
    }

    /** This client with the owner id the store gives it when it is added. */
    StoredClient withOwnerId(String id) {
        return new StoredClient(name, mode, guardrails, ownOnly, id, limits, redact, listeners, sources, peerUids, grants, presets, certSubjects,
                certFingerprints);
    }

    /** This client with other limits (their text form); everything else stays. */
    public StoredClient withLimits(String limits) {
        return new StoredClient(name, mode, guardrails, ownOnly, ownerId, limits, redact, listeners, sources, peerUids, grants, presets, certSubjects,
                certFingerprints);
    }

    /** This client with another mode, guardrails text and own-only setting; everything else (its owner id too) stays. */
    public StoredClient withRules(String mode, String guardrails, boolean ownOnly) {
        return new StoredClient(name, mode, guardrails, ownOnly, ownerId, limits, redact, listeners, sources, peerUids, grants, presets, certSubjects,
                certFingerprints);
    }

    /** This client with another text of redacted fields; everything else stays. */
    public StoredClient withRedact(String redact) {
        return new StoredClient(name, mode, guardrails, ownOnly, ownerId, limits, redact, listeners, sources, peerUids, grants, presets, certSubjects,
                certFingerprints);
    }

    /**
     * A certificate subject as the operator wrote it (a distinguished name) and the SHA-256
     * fingerprint of the CA that must have signed the certificate; {@code ca} is null only in rows
     * of versions before subject mappings named their CA.
     */
    public record SubjectMapping(String subject, String ca) {}

    /** {@code kind} is "tcp" (address HOST:PORT) or "unix" (address an absolute path, with mode and owner). */
    public record Listener(String kind, String address, String mode, Integer uid, Integer gid) {
        public static Listener tcp(String hostPort) {
            return new Listener("tcp", hostPort, null, null, null);
        }

        public static Listener unix(String path, String mode, Integer uid, Integer gid) {
            return new Listener("unix", path, mode, uid, gid);
        }

        @Override
        public String toString() {
            return kind.equals("tcp") ? address : "unix:" + address;
        }
    }
}
