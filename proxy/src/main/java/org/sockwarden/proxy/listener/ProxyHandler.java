package org.sockwarden.proxy.listener;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
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
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.forward.BodyJudge;
import org.sockwarden.proxy.forward.DockerError;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.forward.Preflight;
import org.sockwarden.proxy.forward.RequestBody;
import org.sockwarden.proxy.forward.RunningExchanges;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.GuardedRequest;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.limit.Limiter;
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
 * <p>The decision is a {@link Ruling}: the permission, the guard's verdict on the query (every
 * request) and on the body, and the client's learn mode. A request whose body the guard reads
 * ({@link Guard#readsBody}) is ruled when its body has been read, by the forwarder's
 * {@link BodyJudge}, against the policy in force then; every other request at its head.
 *
 * <p>An allowed request becomes an {@link Exchange} in the {@link RunningExchanges registry}
 * before anything of it reaches the engine, so a revocation finds it whatever phase it is in.
 * A refused one is answered at once; a body it is still sending is read and dropped, within a
 * byte budget and a time budget, holding no buffer of its own.
 *
 * <p>An allowed request of a client with limits takes its place in the {@link Limiter} first (or
 * is refused with 429 and {@code Retry-After}); a client without limits pays nothing for them.
 */
final class ProxyHandler extends Handler.Abstract.NonBlocking {

    /** A refused request's body is read (up to this much, and for at most the head timeout) and dropped. */
    private static final long MAX_REFUSED_BODY = 1 << 20;

    private final RunningExchanges registry;
    private final Limiter limiter;
    private final Forwarder forwarder;
    private final Hijacker hijacker;
    private final Scope scope;
    private final AccessLog accessLog;
    private final AuditSink audit;
    private final long refusedBodyNanos;
    private final Supplier<Guard> guard;

    /** @param guard the guard for the engine known now */
    ProxyHandler(RunningExchanges registry, Limiter limiter, Forwarder forwarder, Hijacker hijacker, Scope scope, AccessLog accessLog,
                 AuditSink audit, Limits limits, Supplier<Guard> guard) {
        this.registry = registry;
        this.limiter = limiter;
        this.forwarder = forwarder;
        this.hijacker = hijacker;
        this.scope = scope;
        this.accessLog = accessLog;
        this.audit = audit;
        this.refusedBodyNanos = limits.headTimeout().toNanos();
        this.guard = guard;
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
                    new Logged(seen, null, Verdict.REJECT, null, null));
            return true;
        }
        String unproven = config == null ? caller.whyUnknown(current) : caller.unproven(config);
        if (unproven != null) {
            refuse(request, response, callback, 403, "sockwarden: " + unproven,
                    new Logged(seen, null, Verdict.DENY, "identity", null));
            return true;
        }
        if (!connection.admitClient(clientName)) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            refuse(request, response, callback, 503, "sockwarden: client \"" + clientName + "\" already has "
                            + connection.maxClientConnections() + " connections open, its cap (--max-client-connections); close some and retry",
                    new Logged(seen, null, Verdict.DENY, "connections", null));
            return true;
        }
        Client client = config.client();
        Decision decision = Decider.decide(client.permissions(), method, canonical);
        if (decision instanceof Decision.Unknown unknown) {
            refuse(request, response, callback, 403, "sockwarden: " + method + " " + unknown.path()
                            + " is not an endpoint of the Docker Engine API, so client \"" + client.name() + "\" may not call it",
                    new Logged(seen, null, Verdict.DENY, "unknown-endpoint", null));
            return true;
        }
        Operation op = decision instanceof Decision.Allow allow ? allow.operation() : ((Decision.Deny) decision).operation();
        boolean permitted = decision instanceof Decision.Allow || client.rules().learning();
        Logged logged;
        BodyJudge judge = null;
        Allowed admission = new Allowed(caller, client.name(), op);
        if (permitted && Guard.readsBody(op) && request.getLength() > Guard.BODY_CAP) {
            // Over the cap by its own account: refused before any of it is read (what is sent meanwhile is dropped).
            Ruling.Refuse refused = Ruling.overCap(client, op);
            refuse(request, response, callback, refused.status(), refused.message(),
                    new Logged(seen, op, refused.verdict(), refused.decidedBy(), refused.guardrail()));
            return true;
        }
        if (permitted && Guard.readsBody(op)) {
            // Ruled once the body is read; until then the log says what the permission decided.
            logged = decision instanceof Decision.Allow allow ? new Logged(seen, op, Verdict.ALLOW, allow.grantedBy(), null)
                    : new Logged(seen, op, Verdict.WOULD_DENY, missing((Decision.Deny) decision), null);
            judge = new Judge(request, admission, op, logged);
        } else {
            Ruling ruling = Ruling.of(client, decision, guard.get(), new GuardedRequest(op, uri.getQuery(),
                    request.getHeaders().get(HttpHeader.CONTENT_TYPE), null, request.getLength(), null), method, uri.getPath());
            if (ruling instanceof Ruling.Refuse refused) {
                if (op == Operation.SYSTEM_PING && decision instanceof Decision.Deny deny) {
                    accessLog.event("WARN", pingHint(client, method, uri.getPath(), deny.missing()));
                }
                refuse(request, response, callback, refused.status(), refused.message(),
                        new Logged(seen, op, refused.verdict(), refused.decidedBy(), refused.guardrail()));
                return true;
            }
            logged = new Logged(seen, op, ruling.verdict(), ruling.decidedBy(), ruling.guardrail());
        }
        Limiter.Slot slot = Limiter.Slot.NONE;
        ClientLimits limits = client.rules().limits();
        if (!limits.none()) {
            Limiter.Outcome admitted = limiter.admit(client.name(), limits, op);
            if (admitted instanceof Limiter.Refusal limited) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, limited.retryAfterSeconds());
                refuse(request, response, callback, 429, limited.message(), new Logged(seen, op, Verdict.LIMIT, limited.limit().text(), null));
                return true;
            }
            slot = (Limiter.Slot) admitted;
        }
        // The slot goes back when the answer is complete, or when the exchange ends, whichever comes first.
        Limiter.Slot held = slot;
        Callback answered = held.releasing(callback, request);
        Exchange exchange = new Exchange(client.name(), op, admission, registry, epoch, x -> {
            held.release();
            connection.served(x);
            logged.write(x);
        });
        // Until the forwarder or the hijacker takes it over, cutting the exchange closes the client's connection.
        exchange.onAbort(connection.getEndPoint()::close);
        connection.serve(exchange);
        String refusal = exchange.register();
        if (refusal != null) {
            refuse(request, response, answered, 403, "sockwarden: " + refusal, exchange);
            return true;
        }
        // An own-only client's request is checked against the owners of what it reaches; null for every other.
        Preflight preflight = scope.preflight(client, op, canonical);
        if (op.hijack()) {
            // No operation whose body the guard reads opens a tunnel (RulingTest): its query was ruled above.
            hijacker.hijack(request, response, answered, exchange, preflight);
        } else {
            forwarder.forward(request, response, answered, exchange, judge, preflight);
        }
        return true;
    }

    private static String missing(Decision.Deny deny) {
        return deny.missing().stream().map(Permission::name).collect(Collectors.joining("+"));
    }

    /**
     * Rules on a request whose body the guard reads, once the forwarder has it: against the client as
     * the policy in force then has it (the exchange was just decided again), so that a grant, a
     * guardrail or learn mode changed while the body arrived counts. What it ruled is what the log says.
     */
    private final class Judge implements BodyJudge {
        private final Request request;
        private final Allowed admission;
        private final Operation op;
        private final Logged logged;

        Judge(Request request, Allowed admission, Operation op, Logged logged) {
            this.request = request;
            this.admission = admission;
            this.op = op;
            this.logged = logged;
        }

        @Override
        public int cap() {
            return Guard.BODY_CAP;
        }

        @Override
        public long readWithinNanos() {
            return refusedBodyNanos;
        }

        @Override
        public Outcome judge(ByteBuffer body) {
            ClientConfig config = admission.caller.client(registry.epoch().directory());
            if (config == null || !config.name().equals(admission.client)) {
                return new Refuse(403, "sockwarden: client \"" + admission.client + "\" is no longer the caller on this connection");
            }
            Client client = config.client();
            Ruling ruling;
            if (body == null) {
                ruling = Ruling.overCap(client, op);
            } else {
                byte[] bytes = body.arrayOffset() == 0 && body.position() == 0 && body.array().length == body.remaining() ? body.array()
                        : Arrays.copyOfRange(body.array(), body.arrayOffset() + body.position(), body.arrayOffset() + body.limit());
                HttpURI uri = request.getHttpURI();
                List<String> encodings = request.getHeaders().getValuesList(HttpHeader.CONTENT_ENCODING);
                GuardedRequest guarded = new GuardedRequest(op, uri.getQuery(), request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                        encodings.isEmpty() ? null : String.join(", ", encodings), request.getLength(), bytes);
                ruling = Ruling.of(client, Decider.decide(client.permissions(), op), guard.get(), guarded, request.getMethod(), uri.getPath());
            }
            admission.judgedWith = client.rules();
            logged.rule(ruling);
            if (ruling instanceof Ruling.Forward forward) {
                return new Send(forward.body() == null ? body : ByteBuffer.wrap(forward.body()));
            }
            Ruling.Refuse refused = (Ruling.Refuse) ruling;
            return new Refuse(refused.status(), refused.message());
        }
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

    /**
     * What let an exchange through, and what it is decided against again: the same caller, the same
     * client, the same operation, allowed by its permissions or forwarded in learn mode; and, once its
     * body was judged, the same guardrails and learn mode it was judged with.
     */
    private static final class Allowed implements Exchange.Admission {
        private final Caller caller;
        private final String client;
        private final Operation operation;
        /** The rules the body was judged with; null until it was (and for a request whose body is not judged). */
        private volatile ClientRules judgedWith;

        Allowed(Caller caller, String client, Operation operation) {
            this.caller = caller;
            this.client = client;
            this.operation = operation;
        }

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
            ClientRules rules = config.client().rules();
            if (!config.client().permissions().allows(operation) && !rules.learning()) {
                return "client \"" + client + "\" may no longer call " + operation.id() + ": its permissions changed while the request ran";
            }
            ClientRules judged = judgedWith;
            return judged == null || judged.equals(rules) ? null
                    : "the guardrails or learn mode of client \"" + client + "\" changed while its " + operation.id() + " request ran";
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

    /**
     * The access-log and audit fields known at decision time (for a request whose body is judged: once
     * it was, {@link #rule}); the rest comes from the exchange at its end.
     */
    private final class Logged {
        private final Seen seen;
        private final Operation operation;
        private volatile Verdict verdict;
        private volatile String decidedBy;
        private volatile String guardrail;

        Logged(Seen seen, Operation operation, Verdict verdict, String decidedBy, String guardrail) {
            this.seen = seen;
            this.operation = operation;
            this.verdict = verdict;
            this.decidedBy = decidedBy;
            this.guardrail = guardrail;
        }

        void rule(Ruling ruling) {
            verdict = ruling.verdict();
            decidedBy = ruling.decidedBy();
            guardrail = ruling.guardrail();
        }

        void write(Exchange e) {
            Instant now = Instant.now();
            long micros = (System.nanoTime() - seen.start()) / 1_000;
            String by = decidedBy;
            String rail = guardrail;
            // The access log's text in brackets: the grant, or what refused it, and the guardrail items involved.
            String decision = rail == null ? by : by + " guardrail=" + rail;
            accessLog.log(new AccessLog.Entry(now, seen.listener(), seen.client(), seen.method(), seen.target(),
                    operation == null ? null : operation.id(), verdict.text(), decision, e.status(), e.bytesIn(), e.bytesOut(), micros));
            String fingerprint = seen.identity() instanceof Identity.Certificate c ? c.fingerprint() : null;
            audit.record(new AuditRecord(now, seen.listener(), seen.client().equals("-") ? null : seen.client(), fingerprint,
                    seen.peerUid(), seen.remote(), seen.method(), seen.target(), operation, verdict, by, rail, e.status(),
                    e.bytesIn(), e.bytesOut(), micros));
        }
    }
}
