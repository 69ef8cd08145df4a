package org.sockwarden.proxy.listener;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;
import org.sockwarden.proxy.identity.PeerCredentials;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;

/**
 * One request, start to end: canonical form, caller, operation, decision, then forward or refuse.
 * Nothing here blocks: the decision reads immutable in-memory state.
 */
final class ProxyHandler extends Handler.Abstract.NonBlocking {

    private static final String PEER_UID = "sockwarden.peerUid";

    private final Supplier<Directory> directory;
    private final Forwarder forwarder;
    private final Hijacker hijacker;
    private final AccessLog accessLog;
    private final AuditSink audit;
    private final Set<Exchange> running;

    ProxyHandler(Supplier<Directory> directory, Forwarder forwarder, Hijacker hijacker, AccessLog accessLog, AuditSink audit,
                 Set<Exchange> running) {
        this.directory = directory;
        this.forwarder = forwarder;
        this.hijacker = hijacker;
        this.accessLog = accessLog;
        this.audit = audit;
        this.running = running;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String listener = ProxyServer.listenerName(request);
        String method = request.getMethod();
        HttpURI uri = request.getHttpURI();
        String target = uri.getQuery() == null ? uri.getPath() : uri.getPath() + "?" + uri.getQuery();
        Directory current = directory.get();
        Identity identity = identify(request, listener);
        ClientConfig config = identity == null ? null : current.resolve(identity);
        String clientName = config == null ? "-" : config.name();

        CanonicalRequest canonical;
        try {
            if (ProxyServer.isAbsoluteForm(request)) {
                throw new Canonicalizer.RejectedRequestException("absolute-form request target (a forward-proxy request) is not accepted");
            }
            canonical = Canonicalizer.canonicalize(method, uri.getPath());
        } catch (Canonicalizer.RejectedRequestException e) {
            refuse(request, response, callback, 400, "sockwarden: bad request: " + e.getMessage(),
                    new Logged(start, request, listener, identity, clientName, method, target, null, Verdict.REJECT, null));
            return true;
        }
        String unproven = config != null ? unproven(request, config)
                : identity == null ? "sockwarden: no client certificate on a TLS connection" : "sockwarden: " + current.whyNot(identity);
        if (unproven != null) {
            refuse(request, response, callback, 403, unproven,
                    new Logged(start, request, listener, identity, clientName, method, target, null, Verdict.DENY, "identity"));
            return true;
        }
        Client client = config.client();
        Decision decision = Decider.decide(client.permissions(), method, canonical);
        if (decision instanceof Decision.Unknown unknown) {
            refuse(request, response, callback, 403, "sockwarden: " + method + " " + unknown.path()
                            + " is not an endpoint of the Docker Engine API, so client \"" + client.name() + "\" may not call it",
                    new Logged(start, request, listener, identity, clientName, method, target, null, Verdict.DENY, "unknown-endpoint"));
            return true;
        }
        if (decision instanceof Decision.Deny deny) {
            if (deny.operation() == Operation.SYSTEM_PING) {
                accessLog.event("WARN", pingHint(client, method, uri.getPath(), deny.missing()));
            }
            refuse(request, response, callback, 403, denial(client, deny.operation(), method, uri.getPath(), deny.missing()),
                    new Logged(start, request, listener, identity, clientName, method, target, deny.operation(), Verdict.DENY,
                            deny.missing().stream().map(Permission::name).collect(Collectors.joining("+"))));
            return true;
        }
        Decision.Allow allow = (Decision.Allow) decision;
        Operation op = allow.operation();
        String grantedBy = allow.grantedBy();
        Logged logged = new Logged(start, request, listener, identity, clientName, method, target, op, Verdict.ALLOW, grantedBy);
        Exchange exchange = new Exchange(client.name(), op, identity, x -> {
            running.remove(x);
            logged.write(x);
        });
        running.add(exchange);
        if (op.hijack()) {
            hijacker.hijack(request, response, callback, exchange);
        } else {
            forwarder.forward(request, response, callback, exchange);
        }
        return true;
    }

    /** The 403 text: who, what, which name is missing, and the exact command that adds it. */
    static String denial(Client client, Operation op, String method, String path, List<Permission> missing) {
        String needs = missing.stream().map(Permission::name).collect(Collectors.joining(" and "));
        String why = op.access() == Access.EXPLICIT
                ? ", which no section flag grants: it reads or changes more than it looks like"
                : "";
        return "sockwarden: client \"" + client.name() + "\" may not call " + op.id() + " (" + method + " " + path
                + " needs " + needs + why + "); to allow it: " + client.grantAdvice().howToGrant(client.name(), missing);
    }

    /**
     * A refused version negotiation is not what its user sees: the docker CLI then guesses its own
     * newest API version, and the engine refuses that with "client version ... is too new".
     */
    private static String pingHint(Client client, String method, String path, List<Permission> missing) {
        return "client \"" + client.name() + "\" may not call " + Operation.SYSTEM_PING.id() + " (" + method + " " + path
                + "): Docker clients call it first to choose their API version, and without it the docker CLI reports the engine's"
                + " \"client version ... is too new\" instead of this refusal; to allow it: " + client.grantAdvice().howToGrant(client.name(), missing);
    }

    /** On the TLS listener the certificate is the identity; elsewhere the listener is. Null: TLS without a certificate. */
    private static Identity identify(Request request, String listener) {
        if (!listener.startsWith("tls:")) {
            return new Identity.Listener(listener);
        }
        return TlsIdentity.of(request);
    }

    /** What the connection failed to prove beyond reaching the listener (source range, peer uid), or null. */
    private static String unproven(Request request, ClientConfig config) {
        if (!config.sources().isEmpty()) {
            SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
            boolean ok = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                    && config.sources().stream().anyMatch(c -> c.contains(inet.getAddress()));
            if (!ok) {
                return "sockwarden: client \"" + config.name() + "\" accepts connections only from "
                        + config.sources().stream().map(Cidr::toString).collect(Collectors.joining(", ")) + ", not from " + remote;
            }
        }
        if (!config.peerUids().isEmpty()) {
            int uid = peerUid(request);
            if (!config.peerUids().contains(uid)) {
                return "sockwarden: client \"" + config.name() + "\" accepts only peer uids " + config.peerUids()
                        + " on its socket, not uid " + (uid < 0 ? "(unknown)" : uid);
            }
        }
        return null;
    }

    /** Read once per connection: SO_PEERCRED costs a system call. */
    private static int peerUid(Request request) {
        Object cached = request.getConnectionMetaData().getAttribute(PEER_UID);
        if (cached instanceof Integer uid) {
            return uid;
        }
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        int uid = endPoint instanceof SocketChannelEndPoint sc ? PeerCredentials.uid(sc.getChannel()) : -1;
        request.getConnectionMetaData().setAttribute(PEER_UID, uid);
        return uid;
    }

    /** A refused request's body is read (up to this much) and dropped before the answer. */
    private static final int MAX_REFUSED_BODY = 1 << 20;

    /**
     * Answers a refusal. A client still sending its body (docker run's create) would otherwise see
     * the connection closed under its write and report a broken pipe instead of the message, so the
     * body is read and dropped first; a body over the limit gets the answer and a closed connection.
     */
    private void refuse(Request request, Response response, Callback callback, int status, String message, Logged logged) {
        Exchange exchange = new Exchange(logged.client, null, null, logged::write);
        Runnable answer = () -> {
            Forwarder.sendError(request, response, callback, status, message);
            exchange.status(status);
            exchange.end();
        };
        if (Forwarder.hasBody(request)) {
            Content.Source.asByteArrayAsync(request, MAX_REFUSED_BODY).whenComplete((body, failure) -> answer.run());
        } else {
            answer.run();
        }
    }

    /** The access-log and audit fields known at decision time; the rest comes from the exchange at its end. */
    private final class Logged {
        private final long start;
        private final String listener;
        private final String client;
        private final String method;
        private final String target;
        private final Operation operation;
        private final Verdict verdict;
        private final String grant;
        private final SocketAddress remote;
        private final String fingerprint;
        private final int peerUid;

        Logged(long start, Request request, String listener, Identity identity, String client, String method, String target,
               Operation operation, Verdict verdict, String grant) {
            this.start = start;
            this.listener = listener;
            this.client = client;
            this.method = method;
            this.target = target;
            this.operation = operation;
            this.verdict = verdict;
            this.grant = grant;
            this.remote = request.getConnectionMetaData().getRemoteSocketAddress();
            this.fingerprint = identity instanceof Identity.Certificate c ? c.fingerprint() : null;
            // SO_PEERCRED once per connection (cached), and only on the unix sockets it means something on.
            this.peerUid = listener.startsWith("unix:") ? peerUid(request) : -1;
        }

        void write(Exchange e) {
            Instant now = Instant.now();
            long micros = (System.nanoTime() - start) / 1_000;
            accessLog.log(new AccessLog.Entry(now, listener, client, method, target, operation == null ? null : operation.id(),
                    verdict.text(), grant, e.status(), e.bytesIn(), e.bytesOut(), micros));
            audit.record(new AuditRecord(now, listener, client.equals("-") ? null : client, fingerprint, peerUid, remote, method,
                    target, operation, verdict, grant, null, e.status(), e.bytesIn(), e.bytesOut(), micros));
        }
    }
}
