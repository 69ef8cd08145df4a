package org.sockwarden.admin;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.StringUtil;
import org.sockwarden.certs.ExpiryCheck;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;
import org.sockwarden.store.StoredClient;

/**
 * The admin listener's {@code /}: one server-rendered, read-only page, no script and no external
 * asset. Everything that came from a client (request targets) or from the store (names, subjects)
 * is escaped with Jetty's XML escaping, in text and in attribute values alike.
 */
final class StatusPage {

    /** How many recent denials the page lists. */
    static final int DENIALS = 15;

    /**
     * What the page shows. {@code snapshot} is null when the store could not be read;
     * {@code auditProblem} says why there are no counts (off, not written yet, unreadable), or is null;
     * {@code engine} is the engine the guard judges for.
     */
    record View(String version, Instant now, List<HealthChecks.Problem> problems, Directory directory, Snapshot snapshot,
                List<AuditStore.Count> lastHour, List<AuditEntry> denials, String auditProblem, EngineInfo engine) {}

    private StatusPage() {}

    static String h(Object value) {
        return value == null ? "" : StringUtil.sanitizeXmlString(value.toString());
    }

    static String render(View v) {
        StringBuilder b = new StringBuilder(16 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sockwarden</title>\n<style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f2f2f2}")
                .append("code{font:12px ui-monospace,monospace}.bad{color:#b00020;font-weight:bold}.ok{color:#1b5e20;font-weight:bold}")
                .append(".learn{background:#fff3cd}</style></head><body>\n");
        b.append("<h1>sockwarden ").append(h(v.version())).append("</h1>\n<p id=\"health\">");
        if (v.problems().isEmpty()) {
            b.append("<span class=\"ok\">healthy</span>");
        } else {
            b.append("<span class=\"bad\">UNHEALTHY</span><ul>");
            for (HealthChecks.Problem p : v.problems()) {
                b.append("<li><b>").append(h(p.check())).append("</b>: ").append(h(p.message())).append("</li>");
            }
            b.append("</ul>");
        }
        b.append(" · policy version ").append(v.directory().version()).append(" · <span id=\"engine\">engine ")
                .append(h(v.engine().known() ? v.engine() : "not identified (the guard judges as strictly as for Podman)"))
                .append("</span> · ").append(h(v.now().truncatedTo(ChronoUnit.SECONDS))).append("</p>\n");
        clients(b, v);
        learning(b, v);
        denials(b, v);
        certificates(b, v);
        return b.append("</body></html>\n").toString();
    }

    private static void clients(StringBuilder b, View v) {
        Map<String, long[]> counts = new TreeMap<>();
        for (AuditStore.Count c : v.lastHour()) {
            long[] n = counts.computeIfAbsent(c.client() == null ? Metrics.NO_CLIENT : c.client(), k -> new long[2]);
            n[0] += c.count();
            if (c.decision().equals("deny") || c.decision().equals("reject")) {
                n[1] += c.count();
            }
        }
        b.append("<h2>Clients</h2>\n");
        if (v.auditProblem() != null) {
            b.append("<p>Requests per client: ").append(h(v.auditProblem())).append("</p>\n");
        }
        b.append("<table id=\"clients\"><tr><th>Client</th><th>Mode</th><th>Identities</th><th>Grants</th>")
                .append("<th>Requests (last hour)</th><th>Denied (last hour)</th></tr>\n");
        for (ClientConfig c : v.directory().clients()) {
            StoredClient stored = stored(v.snapshot(), c.name());
            boolean learning = stored != null && StoredClient.LEARN.equals(stored.mode());
            long[] n = counts.getOrDefault(c.name(), new long[2]);
            b.append("<tr").append(learning ? " class=\"learn\"" : "").append("><td>").append(h(c.name())).append("</td><td>")
                    .append(learning ? "<b>learning</b>" : "enforce").append("</td><td>").append(identities(c, stored, v.snapshot()))
                    .append("</td><td><code>").append(h(stored != null ? String.join(" ", stored.grants()) : c.client().permissions().toString()))
                    .append("</code></td><td>").append(n[0]).append("</td><td>").append(n[1]).append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    private static String identities(ClientConfig c, StoredClient stored, Snapshot snapshot) {
        List<String> out = new ArrayList<>();
        for (ListenerAddress l : c.listeners()) {
            out.add(l instanceof ListenerAddress.Unix u ? "socket " + u.path() + " (mode " + (u.mode() == null ? "0660" : u.mode()) + ")"
                    : "port " + l.key());
        }
        if (!c.peerUids().isEmpty()) {
            out.add("peer uids " + c.peerUids().stream().sorted().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        if (!c.sources().isEmpty()) {
            out.add("from " + c.sources().stream().map(Object::toString).collect(Collectors.joining(", ")));
        }
        if (snapshot != null) {
            for (StoredCertificate cert : snapshot.certificates()) {
                if (c.name().equals(cert.client()) && cert.revokedAt() == null) {
                    out.add("certificate " + cert.fingerprint() + " until " + cert.notAfter());
                }
            }
        }
        if (stored != null) {
            stored.certSubjects().forEach(s -> out.add("certificate subject " + s));
            stored.certFingerprints().forEach(f -> out.add("certificate " + f));
        }
        return out.isEmpty() ? "(none)" : out.stream().map(StatusPage::h).collect(Collectors.joining("<br>"));
    }

    private static void learning(StringBuilder b, View v) {
        List<StoredClient> learning = v.snapshot() == null ? List.of()
                : v.snapshot().clients().stream().filter(c -> StoredClient.LEARN.equals(c.mode())).toList();
        b.append("<h2>Learning clients</h2>\n");
        if (learning.isEmpty()) {
            b.append("<p id=\"learning\">none</p>\n");
            return;
        }
        b.append("<ul id=\"learning\">");
        for (StoredClient c : learning) {
            b.append("<li><b>").append(h(c.name())).append("</b>: requests a grant would refuse are forwarded and recorded; ")
                    .append("<code>sockwarden suggest ").append(h(c.name())).append("</code> proposes its grants</li>");
        }
        b.append("</ul>\n");
    }

    private static void denials(StringBuilder b, View v) {
        b.append("<h2>Last denials</h2>\n");
        if (v.denials().isEmpty()) {
            b.append("<p id=\"denials\">").append(v.auditProblem() != null ? h(v.auditProblem()) : "none recorded").append("</p>\n");
            return;
        }
        b.append("<table id=\"denials\"><tr><th>Time</th><th>Client</th><th>Request</th><th>Operation</th><th>Why</th>")
                .append("<th>To allow it</th></tr>\n");
        for (AuditEntry e : v.denials()) {
            ClientConfig config = e.client() == null ? null : v.directory().byName(e.client());
            String fix = OperationNames.howToAllow(config, e.client(), e.operation(), e.decidedBy(), e.guardrail());
            b.append("<tr><td>").append(h(e.time().truncatedTo(ChronoUnit.SECONDS))).append("</td><td>")
                    .append(h(e.client() == null ? Metrics.NO_CLIENT : e.client())).append("</td><td><code>").append(h(e.method()))
                    .append(' ').append(h(e.target())).append("</code></td><td>").append(h(e.operation() == null ? "-" : e.operation()))
                    .append("</td><td>").append(h(e.decision())).append(e.decidedBy() == null ? "" : " (" + h(e.decidedBy()) + ")")
                    .append(e.guardrail() == null ? "" : " guardrail " + h(e.guardrail()))
                    .append("</td><td>").append(fix == null ? "-" : "<code>" + h(fix) + "</code>").append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    private static void certificates(StringBuilder b, View v) {
        List<StoredCertificate> soon = v.snapshot() == null ? List.of() : v.snapshot().certificates().stream()
                .filter(c -> c.revokedAt() == null && Tls.expiresSoon(c.notAfter())).toList();
        b.append("<h2>Certificates close to expiry</h2>\n");
        if (soon.isEmpty()) {
            b.append("<p id=\"expiring\">none within ").append(ExpiryCheck.WARNING_PERIOD.toDays()).append(" days</p>\n");
            return;
        }
        b.append("<table id=\"expiring\"><tr><th>Kind</th><th>Client</th><th>Fingerprint</th><th>Not after</th></tr>\n");
        for (StoredCertificate c : soon) {
            b.append("<tr><td>").append(h(c.kind())).append("</td><td>").append(h(c.client() == null ? "-" : c.client()))
                    .append("</td><td><code>").append(h(c.fingerprint())).append("</code></td><td")
                    .append(c.notAfter().isBefore(v.now()) ? " class=\"bad\">expired " : ">").append(h(c.notAfter())).append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    private static StoredClient stored(Snapshot snapshot, String name) {
        return snapshot == null ? null : snapshot.clients().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }
}
