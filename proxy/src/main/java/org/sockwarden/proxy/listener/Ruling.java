package org.sockwarden.proxy.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.GuardedRequest;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.guard.Verdict;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Permission;

/**
 * What the proxy does with one request of a known client whose operation the catalog matched: the
 * permission decision, the guard's verdict on its query and body, and the client's learn mode, put
 * together in this one place. The proxy rules every request here (at its head, or once its body is
 * read for the operations {@link Guard#readsBody} names), and {@code sockwarden explain} asks the same.
 *
 * <h2>Learn mode</h2>
 * A learning client's request is forwarded, and recorded as {@link AuditRecord.Verdict#WOULD_DENY would-deny},
 * when what refuses it is something {@code suggest --apply} can lift: a missing permission, or a guardrail
 * (a 403 that names the guardrail item allowing it). The guard is then asked again with that item, until
 * the request passes, so the record names every item the request needs ({@code privileged bind-path=/srv/data}),
 * not only the first. Never learned, because no grant or item could ever allow them: a 400 (a body or
 * query the engine would read otherwise than it looks) or 413 (over the inspection cap), and a 403 that
 * names no item (the Docker socket as a bind source, a requirement such as {@code non-root} the operator
 * set, a query parameter the API does not define). Refusals of the request's form (canonical form,
 * smuggling), of its identity and of unknown endpoints are answered before a ruling is asked for.
 */
public sealed interface Ruling {

    /** A bound on the items one request can need; each round relaxes one more. */
    int MAX_LEARNED = 32;

    /** How the access log and the audit trail tell it: what decided, and the guardrail items involved. */
    AuditRecord.Verdict verdict();

    /** The grant that allowed it, or what refused it: the missing permissions, or the field the guard named. */
    String decidedBy();

    /** The guardrail items that refused it, or would have for a learning client (the text form, items separated by spaces); null for none. */
    String guardrail();

    /**
     * The request goes to the engine.
     *
     * @param body the bytes to send in place of the body received (the guard's rewrite, labels set), or null: as received
     */
    record Forward(AuditRecord.Verdict verdict, String decidedBy, String guardrail, byte[] body) implements Ruling {}

    /**
     * The request is answered with {@code status} and {@code message} (Docker's error shape) and nothing of it reaches the engine.
     *
     * @param guard the guard's refusal, when the guard refused it (null: a permission did)
     */
    record Refuse(int status, String message, AuditRecord.Verdict verdict, String decidedBy, String guardrail, Verdict.Refuse guard)
            implements Ruling {}

    /**
     * Rules on one request.
     *
     * @param decision the permission decision on its operation, {@link Decision.Allow} or {@link Decision.Deny}
     * @param request  its query, headers and (for {@link Guard#readsBody} operations) body; not looked at when the
     *                 permission refuses and the client does not learn
     * @param method   and {@code path}: for the text of a permission refusal
     */
    static Ruling of(Client client, Decision decision, Guard guard, GuardedRequest request, String method, String path) {
        ClientRules rules = client.rules();
        List<Permission> missing;
        String grantedBy;
        if (decision instanceof Decision.Allow allow) {
            missing = List.of();
            grantedBy = allow.grantedBy();
        } else if (decision instanceof Decision.Deny deny) {
            missing = deny.missing();
            grantedBy = null;
            if (!rules.learning() || missing.isEmpty()) {
                return new Refuse(403, denial(client, deny.operation(), method, path, missing), AuditRecord.Verdict.DENY,
                        names(missing), null, null);
            }
        } else {
            throw new IllegalArgumentException("no operation to rule on: " + decision);
        }
        Verdict verdict = guard.inspect(request, rules.guardrails(), rules.owner());
        if (!(verdict instanceof Verdict.Refuse refused)) {
            return grantedBy != null ? new Forward(AuditRecord.Verdict.ALLOW, grantedBy, null, rewritten(verdict))
                    : new Forward(AuditRecord.Verdict.WOULD_DENY, names(missing), null, rewritten(verdict));
        }
        if (refused.status() != 403) {
            return refusal(client, refused, AuditRecord.Verdict.REJECT, null);
        }
        if (!rules.learning() || refused.remedy() == null) {
            return refusal(client, refused, AuditRecord.Verdict.DENY, refused.remedy());
        }
        return learn(client, guard, request, refused, missing);
    }

    /** A body over the guard's cap (by its Content-Length, or found so while it was read): refused for its form (413), in learn mode too. */
    static Ruling.Refuse overCap(Client client, Operation op) {
        return refusal(client, Guard.overCap(op), AuditRecord.Verdict.REJECT, null);
    }

    /**
     * A learning client's request the guard refused with a guardrail: asked again with each item the
     * refusals name added, until it passes (forwarded as would-deny, naming them all) or is refused
     * with what no item lifts (refused).
     */
    private static Ruling learn(Client client, Guard guard, GuardedRequest request, Verdict.Refuse first, List<Permission> missing) {
        List<String> learned = new ArrayList<>();
        Guardrails relaxed = client.rules().guardrails();
        Verdict verdict = first;
        while (verdict instanceof Verdict.Refuse r && r.status() == 403 && r.remedy() != null && learned.size() < MAX_LEARNED) {
            Guardrails more;
            try {
                more = relaxed.plus(Guardrails.parse(r.remedy()));
            } catch (InvalidGuardrailsException e) {
                break; // an item the guardrails could not hold is none suggest could apply
            }
            if (more.equals(relaxed)) {
                break; // the item is there and the guard still refuses: nothing to learn
            }
            learned.add(r.remedy());
            relaxed = more;
            verdict = guard.inspect(request, relaxed, client.rules().owner());
        }
        if (verdict instanceof Verdict.Refuse r) {
            return refusal(client, r, r.status() == 403 ? AuditRecord.Verdict.DENY : AuditRecord.Verdict.REJECT, r.remedy());
        }
        return new Forward(AuditRecord.Verdict.WOULD_DENY, missing.isEmpty() ? first.field() : names(missing), String.join(" ", learned),
                rewritten(verdict));
    }

    private static Refuse refusal(Client client, Verdict.Refuse r, AuditRecord.Verdict verdict, String guardrail) {
        String message = r.message(client.name(), item -> client.grantAdvice().howToRelax(client.name(), client.rules().guardrails(), item));
        return new Refuse(r.status(), message, verdict, r.field(), guardrail, r);
    }

    private static byte[] rewritten(Verdict verdict) {
        return verdict instanceof Verdict.Rewrite rewrite ? rewrite.body() : null;
    }

    private static String names(List<Permission> permissions) {
        return permissions.stream().map(Permission::name).collect(Collectors.joining("+"));
    }

    /** The 403 text of a missing permission: who, what, which name is missing, and the exact command that adds it. */
    static String denial(Client client, Operation op, String method, String path, List<Permission> missing) {
        Objects.requireNonNull(op, "op");
        String needs = missing.stream().map(Permission::name).collect(Collectors.joining(" and "));
        String why = op.access() == Access.EXPLICIT
                ? ", which no section flag grants: it reads or changes more than it looks like"
                : "";
        return "sockwarden: client \"" + client.name() + "\" may not call " + op.id() + " (" + method + " " + path
                + " needs " + needs + why + "); to allow it: " + client.grantAdvice().howToGrant(client.name(), missing);
    }
}
