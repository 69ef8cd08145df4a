package org.sockwarden.proxy.listener;

import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.forward.DockerError;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.forward.Preflight;
import org.sockwarden.proxy.forward.RequestBody;
import org.sockwarden.proxy.forward.RunningExchanges;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;
import org.sockwarden.proxy.scope.Scope;

/**
 * One request, start to end: canonical form, caller, operation, decision, then forward or refuse.
 * Nothing here blocks: the decision reads immutable in-memory state.
 *
 * <p>An allowed request becomes an {@link Exchange} in the {@link RunningExchanges registry}
 * before anything of it reaches the engine, so a revocation finds it whatever phase it is in.
 * A refused one is answered at once; a body it is still sending is read and dropped, within a
 * byte budget and a time budget, holding no buffer of its own.
 */
final class ProxyHandler extends Handler.Abstract.NonBlocking {

    /** A refused request's body is read (up to this much, and for at most the head timeout) and dropped. */
    private static final long MAX_REFUSED_BODY = 1 << 20;

    private final RunningExchanges registry;
    private final Forwarder forwarder;
    private final Hijacker hijacker;
    private final Scope scope;
    private final AccessLog accessLog;
    private final AuditSink audit;
    private final long refusedBodyNanos;

    ProxyHandler(RunningExchanges registry, Forwarder forwarder, Hijacker hijacker, Scope scope, AccessLog accessLog, AuditSink audit,
                 Limits limits) {
        this.registry = registry;
        this.forwarder = forwarder;
        this.hijacker = hijacker;
        this.scope = scope;
        this.accessLog = accessLog;
        this.audit = audit;
        this.refusedBodyNanos = limits.headTimeout().toNanos();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        GuardedConnection connection = GuardedConnection.of(request);
        Connector connector = connection.getConnector();
        String listener = connector.getName();
        String method = request.getMethod();
        HttpURI uri = request.getHttpURI();
        String target = uri.getQuery() == null ? uri.getPath() : uri.getPath() + "?" + uri.getQuery();
        RunningExchanges.Epoch epoch = registry.epoch();
        Directory current = epoch.directory();
        Caller caller = connector instanceof MutualTlsConnector tls
                ? Caller.withCertificate(connection.tlsIdentity(), tls.trust(), connection.getRemoteSocketAddress(), connection)
                : Caller.onListener(listener, connection.getRemoteSocketAddress(), connection);
        ClientConfig config = caller.client(current);
        String clientName = config == null ? "-" : config.name();
        // SO_PEERCRED is read (once per connection) only where it means something: a unix socket.
        Seen seen = new Seen(start, listener, caller.identity(), connection.getRemoteSocketAddress(),
                connector instanceof UnixDomainServerConnector ? caller.peerUid() : -1, clientName, method, target);

        CanonicalRequest canonical;
        try {
            if (isAbsoluteForm(request)) {
                throw new Canonicalizer.RejectedRequestException("absolute-form request target (a forward-proxy request) is not accepted");
            }
            canonical = Canonicalizer.canonicalize(method, uri.getPath());
        } catch (Canonicalizer.RejectedRequestException e) {
            refuse(request, response, callback, 400, "sockwarden: bad request: " + e.getMessage(),
                    new Logged(seen, null, Verdict.REJECT, null));
            return true;
        }
        String unproven = config == null ? caller.whyUnknown(current) : caller.unproven(config);
        if (unproven != null) {
            refuse(request, response, callback, 403, "sockwarden: " + unproven,
                    new Logged(seen, null, Verdict.DENY, "identity"));
            return true;
        }
        if (!connection.admitClient(clientName)) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            refuse(request, response, callback, 503, "sockwarden: client \"" + clientName + "\" already has "
                            + connection.maxClientConnections() + " connections open, its cap (--max-client-connections); close some and retry",
                    new Logged(seen, null, Verdict.DENY, "connections"));
            return true;
        }
        Client client = config.client();
        Decision decision = Decider.decide(client.permissions(), method, canonical);
        if (decision instanceof Decision.Unknown unknown) {
            refuse(request, response, callback, 403, "sockwarden: " + method + " " + unknown.path()
                            + " is not an endpoint of the Docker Engine API, so client \"" + client.name() + "\" may not call it",
                    new Logged(seen, null, Verdict.DENY, "unknown-endpoint"));
            return true;
        }
        if (decision instanceof Decision.Deny deny) {
            if (deny.operation() == Operation.SYSTEM_PING) {
                accessLog.event("WARN", pingHint(client, method, uri.getPath(), deny.missing()));
            }
            refuse(request, response, callback, 403, denial(client, deny.operation(), method, uri.getPath(), deny.missing()),
                    new Logged(seen, deny.operation(), Verdict.DENY,
                            deny.missing().stream().map(Permission::name).collect(Collectors.joining("+"))));
            return true;
        }
        Decision.Allow allow = (Decision.Allow) decision;
        Operation op = allow.operation();
        Logged logged = new Logged(seen, op, Verdict.ALLOW, allow.grantedBy());
        Exchange exchange = new Exchange(client.name(), op, new Allowed(caller, client.name(), op), registry, epoch, x -> {
            connection.served(x);
            logged.write(x);
        });
        // Until the forwarder or the hijacker takes it over, cutting the exchange closes the client's connection.
        exchange.onAbort(connection.getEndPoint()::close);
        connection.serve(exchange);
        String refusal = exchange.register();
        if (refusal != null) {
            refuse(request, response, callback, 403, "sockwarden: " + refusal, exchange);
            return true;
        }
        // An own-only client's request is checked against the owners of what it reaches; null for every other.
        Preflight preflight = scope.preflight(client, op, canonical);
        if (op.hijack()) {
            hijacker.hijack(request, response, callback, exchange, preflight);
        } else {
            forwarder.forward(request, response, callback, exchange, preflight);
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

    /** What let an exchange through, and what it is decided against again: the same caller, the same client, the same operation. */
    private record Allowed(Caller caller, String client, Operation operation) implements Exchange.Admission {
        @Override
        public String refusal(Directory directory) {
            ClientConfig config = caller.client(directory);
            if (config == null) {
                return caller.whyUnknown(directory);
            }
            if (!config.name().equals(client)) {
                return "this connection now stands for client \"" + config.name() + "\", not \"" + client + "\"";
            }
            String unproven = caller.unproven(config);
            if (unproven != null) {
                return unproven;
            }
            return config.client().permissions().allows(operation) ? null
                    : "client \"" + client + "\" may no longer call " + operation.id() + ": its permissions changed while the request ran";
        }

        @Override
        public long validUntil() {
            return caller.validUntil();
        }
    }

    private void refuse(Request request, Response response, Callback callback, int status, String message, Logged logged) {
        GuardedConnection connection = GuardedConnection.of(request);
        refuse(request, response, callback, status, message, Exchange.refused(logged.seen.client(), x -> {
            connection.served(x);
            logged.write(x);
        }));
    }

    /**
     * Answers a refusal at once. A client still sending its body (docker run's create) would see
     * the connection closed under its write and report a broken pipe instead of the message, so
     * the body is then read and dropped, chunk by chunk: within {@link #MAX_REFUSED_BODY} bytes and
     * the head timeout the connection stays usable, beyond either it closes.
     */
    private void refuse(Request request, Response response, Callback callback, int status, String message, Exchange exchange) {
        exchange.status(status);
        if (!RequestBody.present(request) || response.getHeaders().contains(HttpHeader.CONNECTION, "close")) {
            DockerError.send(request, response, callback, status, message);
            exchange.end();
            return;
        }
        GuardedConnection connection = GuardedConnection.of(request);
        exchange.onAbort(connection.getEndPoint()::close);
        exchange.deadline(System.nanoTime() + refusedBodyNanos);
        connection.serve(exchange);
        Callback done = Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
            callback.succeeded();
            exchange.end();
        }, failure -> {
            callback.failed(failure);
            exchange.end();
        });
        DockerError.send(request, response, Callback.from(Invocable.InvocationType.NON_BLOCKING,
                () -> RequestBody.discard(request, MAX_REFUSED_BODY, exchange, done), done::failed), status, message);
    }

    /**
     * Jetty builds an origin-form target's authority from the Host header, so a target whose
     * authority differs from it came in absolute form, addressed to some other host.
     */
    static boolean isAbsoluteForm(Request request) {
        String target = request.getHttpURI().getHost();
        if (target == null) {
            return false;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host != null && host.regionMatches(true, 0, target, 0, target.length())
                && (host.length() == target.length() || host.charAt(target.length()) == ':')) {
            return false; // the common case, decided without parsing the Host header
        }
        String expected = host != null ? new HostPort(host).getHost()
                : request.getConnectionMetaData().getServerAuthority().getHost();
        return !target.equalsIgnoreCase(expected);
    }

    /** What is known of a request before it is decided: who sent it, on which connection, and what it asks for. */
    private record Seen(long start, String listener, Identity identity, SocketAddress remote, int peerUid, String client,
                        String method, String target) {}

    /** The access-log and audit fields known at decision time; the rest comes from the exchange at its end. */
    private final class Logged {
        private final Seen seen;
        private final Operation operation;
        private final Verdict verdict;
        private final String grant;

        Logged(Seen seen, Operation operation, Verdict verdict, String grant) {
            this.seen = seen;
            this.operation = operation;
            this.verdict = verdict;
            this.grant = grant;
        }

        void write(Exchange e) {
            Instant now = Instant.now();
            long micros = (System.nanoTime() - seen.start()) / 1_000;
            accessLog.log(new AccessLog.Entry(now, seen.listener(), seen.client(), seen.method(), seen.target(),
                    operation == null ? null : operation.id(), verdict.text(), grant, e.status(), e.bytesIn(), e.bytesOut(), micros));
            String fingerprint = seen.identity() instanceof Identity.Certificate c ? c.fingerprint() : null;
            audit.record(new AuditRecord(now, seen.listener(), seen.client().equals("-") ? null : seen.client(), fingerprint,
                    seen.peerUid(), seen.remote(), seen.method(), seen.target(), operation, verdict, grant, null, e.status(),
                    e.bytesIn(), e.bytesOut(), micros));
        }
    }
}
