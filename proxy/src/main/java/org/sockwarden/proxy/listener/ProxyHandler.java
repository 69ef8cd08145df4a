package org.sockwarden.proxy.listener;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientDirectory;
import org.sockwarden.proxy.identity.Identity;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;

/**
 * One request, start to end: canonical form, caller, operation, decision, then forward or refuse.
 * Nothing here blocks: the decision reads immutable in-memory state.
 */
final class ProxyHandler extends Handler.Abstract.NonBlocking {

    private final ClientDirectory directory;
    private final Forwarder forwarder;
    private final Hijacker hijacker;
    private final AccessLog accessLog;

    ProxyHandler(ClientDirectory directory, Forwarder forwarder, Hijacker hijacker, AccessLog accessLog) {
        this.directory = directory;
        this.forwarder = forwarder;
        this.hijacker = hijacker;
        this.accessLog = accessLog;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String listener = ProxyServer.listenerName(request);
        String method = request.getMethod();
        HttpURI uri = request.getHttpURI();
        String target = uri.getQuery() == null ? uri.getPath() : uri.getPath() + "?" + uri.getQuery();
        Identity identity = new Identity.Listener(listener);
        Optional<Client> found = directory.find(identity);
        String clientName = found.map(Client::name).orElse("-");

        CanonicalRequest canonical;
        try {
            if (ProxyServer.isAbsoluteForm(request)) {
                throw new Canonicalizer.RejectedRequestException("absolute-form request target (a forward-proxy request) is not accepted");
            }
            canonical = Canonicalizer.canonicalize(method, uri.getPath());
        } catch (Canonicalizer.RejectedRequestException e) {
            refuse(request, response, callback, 400, "sockwarden: bad request: " + e.getMessage(),
                    new Logged(start, listener, clientName, method, target, null, "reject", null));
            return true;
        }
        if (found.isEmpty()) {
            refuse(request, response, callback, 403, "sockwarden: no client is configured for " + identity.describe(),
                    new Logged(start, listener, clientName, method, target, null, "deny", null));
            return true;
        }
        Client client = found.get();
        Operation op = DockerApi.match(method, canonical.path());
        if (op == null) {
            refuse(request, response, callback, 403, "sockwarden: " + method + " " + canonical.path()
                            + " is not an endpoint of the Docker Engine API, so client \"" + client.name() + "\" may not call it",
                    new Logged(start, listener, clientName, method, target, null, "deny", "unknown-endpoint"));
            return true;
        }
        String grantedBy = client.permissions().grantedBy(op);
        if (grantedBy == null) {
            List<Permission> missing = client.permissions().missingFor(op);
            refuse(request, response, callback, 403, denial(client, op, method, uri.getPath(), missing),
                    new Logged(start, listener, clientName, method, target, op.id(), "deny",
                            missing.stream().map(Permission::name).collect(Collectors.joining("+"))));
            return true;
        }
        Logged logged = new Logged(start, listener, clientName, method, target, op.id(), "allow", grantedBy);
        Exchange exchange = new Exchange(logged::write);
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

    private void refuse(Request request, Response response, Callback callback, int status, String message, Logged logged) {
        Exchange exchange = new Exchange(logged::write);
        Forwarder.sendError(request, response, callback, status, message);
        exchange.status(status);
        exchange.end();
    }

    /** The access-log fields known at decision time; the rest comes from the exchange at its end. */
    private final class Logged {
        private final long start;
        private final String listener;
        private final String client;
        private final String method;
        private final String target;
        private final String operation;
        private final String decision;
        private final String grant;

        Logged(long start, String listener, String client, String method, String target, String operation,
               String decision, String grant) {
            this.start = start;
            this.listener = listener;
            this.client = client;
            this.method = method;
            this.target = target;
            this.operation = operation;
            this.decision = decision;
            this.grant = grant;
        }

        void write(Exchange e) {
            accessLog.log(new AccessLog.Entry(Instant.now(), listener, client, method, target, operation, decision, grant,
                    e.status(), e.bytesIn(), e.bytesOut(), (System.nanoTime() - start) / 1_000));
        }
    }
}
