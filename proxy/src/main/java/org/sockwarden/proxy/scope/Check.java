package org.sockwarden.proxy.scope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Promise;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Ownership;
import org.sockwarden.proxy.forward.Answer;
import org.sockwarden.proxy.forward.Cancellable;
import org.sockwarden.proxy.forward.EngineProbe;
import org.sockwarden.proxy.forward.Preflight;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.guard.OwnerQueries;
import org.sockwarden.proxy.guard.References;
import org.sockwarden.proxy.guard.RefusedRequestException;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.request.CanonicalRequest;

/**
 * The pre-flight of one request of an own-only client (and the redaction of a container inspect answer).
 *
 * <h2>By ID or name ({@link Ownership.Target})</h2>
 * The engine inspects the object by the reference the client gave (so IDs, ID prefixes and names resolve
 * as the engine resolves them), every time: nothing is remembered, so a name that was missing a moment ago
 * is looked up again. Only an answer 200 whose owner label is the client's lets the request go on, and it
 * goes on pinned to the full ID that answer gave: a name that changes hands after the check cannot
 * redirect it. An exec instance is its container's, a task its service's: their owner is looked up in turn.
 *
 * <p>Anything else (missing, another owner's, unlabelled, an ambiguous prefix) is answered as the engine
 * answers the same request for an object that does not exist: the request is sent with the reference
 * replaced by an unguessable name, and that name is taken out of the answer. The client cannot tell a
 * foreign object from a missing one, on any operation or engine version, and nothing of its request reached
 * the object.
 *
 * <h2>Lists, prunes, events</h2>
 * The owner label is merged into {@code filters} ({@link OwnerQueries}); nothing is asked of the engine.
 *
 * <h2>Creates and connects</h2>
 * Every object the body names ({@link References}) must be the client's, checked as above before anything
 * of the request reaches the engine (so the engine never resolves a foreign name for this client); else a
 * 403 that reads the same whether the object is another owner's or does not exist. A network or volume name
 * another owner's object has is refused (409): the engine would create a second network of that name, or
 * answer with the other owner's volume.
 */
final class Check implements Preflight, Cancellable {

    /** Letters that are no hexadecimal digit, so that a name of them is never an ID prefix. */
    private static final String TOKEN_LETTERS = "ghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EngineProbe probe;
    private final Client client;
    private final Operation op;
    /** Null for a client that is not own-only: only the redaction of a container inspect. */
    private final Ownership.Scope reach;
    private final Label owner;
    private final CanonicalRequest canonical;
    private final AtomicBoolean completed = new AtomicBoolean();
    private Request request;
    private ByteBuffer body;
    private Promise<Outcome> done;
    private volatile Cancellable current;
    private volatile Throwable cancelled;

    Check(EngineProbe probe, Client client, Operation op, Ownership.Scope reach, CanonicalRequest canonical) {
        this.probe = probe;
        this.client = client;
        this.op = op;
        this.reach = reach;
        this.owner = client.rules().owner();
        this.canonical = canonical;
    }

    @Override
    public Cancellable start(Request request, ByteBuffer body, Promise<Outcome> done) {
        this.request = request;
        this.body = body;
        this.done = done;
        step(this::begin);
        return this;
    }

    @Override
    public void cancel(Throwable reason) {
        cancelled = reason;
        Cancellable c = current;
        if (c != null) {
            c.cancel(reason);
        }
        fail(reason);
    }

    private void begin() {
        if (reach == null) {
            probe(asClient(), answer -> finish(redacted(answer)));
            return;
        }
        if (reach instanceof Ownership.Unscoped u) {
            finish(Answer.error(403, "sockwarden: client \"" + client.name() + "\" is own-only and may not call " + op.id() + ": "
                    + u.reason()));
        } else if (reach instanceof Ownership.Listed) {
            refuseForm();
            finish(new Proceed(rawPath() + "?" + OwnerQueries.withOwner(op, rawQuery(), owner, null)));
        } else if (reach == Ownership.Events.EVENTS) {
            finish(new Proceed(rawPath() + "?" + OwnerQueries.withOwner(op, rawQuery(), owner, Ownership.EVENT_TYPES)));
        } else if (reach instanceof Ownership.Target t) {
            target(t.kind(), t.parameter());
        } else if (reach instanceof Ownership.Creates c) {
            References.Reach reached = References.of(op, bodyBytes());
            all(reached.references(), () -> nameFree(c.kind(), reached.name(), () -> finish(Proceed.AS_RECEIVED)));
        } else if (reach == Ownership.Connects.CONNECTS) {
            References.Reach reached = References.of(op, bodyBytes());
            all(reached.references(), () -> target(ObjectKind.NETWORK, null));
        } else {
            throw new IllegalStateException(op.id() + " needs no pre-flight");
        }
    }

    // --- one object by reference

    /** The object the path's first variable (or query parameter {@code parameter}) names must be the client's. */
    private void target(ObjectKind kind, String parameter) {
        String ref;
        UnaryOperator<String> at;
        if (parameter == null) {
            DockerApi.Binding binding = DockerApi.bind(request.getMethod(), canonical.path());
            List<String> vars = binding.variables();
            ref = vars.get(0);
            at = value -> {
                String[] values = new String[vars.size()];
                values[0] = encode(value, StandardCharsets.ISO_8859_1);
                for (int i = 1; i < values.length; i++) {
                    values[i] = encode(vars.get(i), StandardCharsets.ISO_8859_1);
                }
                return version() + DockerApi.expand(binding.template(), values) + querySuffix();
            };
        } else {
            refuseForm();
            ref = OwnerQueries.single(op, rawQuery(), parameter);
            at = value -> rawPath() + "?" + OwnerQueries.with(rawQuery(), parameter, value);
        }
        Charset refBytes = parameter == null ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
        boolean inspects = op == Scope.inspectOf(kind);
        EngineProbe.Call lookup = inspects ? asClient() : inspect(kind, ref, refBytes);
        whose(kind, lookup, (own, id, answer) -> {
            if (own) {
                finish(inspects ? redacted(answer) : new Proceed(at.apply(id)));
            } else if (inspects && answer != null && answer.status() == 404) {
                finish(answer); // the engine's own answer to this very request: nothing of another owner's in it
            } else {
                missing(at, ref);
            }
        });
    }

    /** What {@link #whose} found: the object is the client's (its full ID, and the answer to the first lookup), or not. */
    @FunctionalInterface
    private interface Found {
        void found(boolean own, String id, Answer answer);
    }

    /**
     * Sends {@code lookup} (an inspect of a {@code kind}) and decides whose the object is; for an exec
     * instance or a task, by inspecting its container or service in turn.
     */
    private void whose(ObjectKind kind, EngineProbe.Call lookup, Found then) {
        probe(lookup, answer -> {
            AnswerJson.Inspected seen = read(answer, kind);
            if (seen == null || seen.id() == null || seen.id().isEmpty()) {
                then.found(false, null, answer);
            } else if (kind.parent() == null) {
                then.found(owner.value().equals(seen.owner()), seen.id(), answer);
            } else if (seen.parent() == null || seen.parent().isEmpty()) {
                then.found(false, null, answer);
            } else {
                probe(inspect(kind.parent(), seen.parent(), StandardCharsets.UTF_8), parentAnswer -> {
                    AnswerJson.Inspected parent = read(parentAnswer, kind.parent());
                    then.found(parent != null && owner.value().equals(parent.owner()), seen.id(), answer);
                });
            }
        });
    }

    /** The inspected fields of a 200 answer, or null for any other answer (or one that cannot be read: no one's). */
    private AnswerJson.Inspected read(Answer answer, ObjectKind kind) {
        if (answer.status() != 200) {
            return null;
        }
        try {
            return AnswerJson.inspected(answer.body(), kind, owner.key());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Answers as the engine answers this request for an object that does not exist: sent with {@code ref}
     * replaced by an unguessable name before it, which is then taken out of the answer.
     */
    private void missing(UnaryOperator<String> at, String ref) {
        String token = token();
        probe(new EngineProbe.Call(request.getMethod(), at.apply(token + ref), request, body),
                answer -> finish(answer.withBody(strip(answer.body(), token))));
    }

    // --- what a create or connect body names

    /** Each reference must be the client's; then {@code next}. The refusal reads the same for another owner's and a missing one. */
    private void all(List<References.Reference> refs, Runnable next) {
        if (refs.isEmpty()) {
            next.run();
            return;
        }
        References.Reference ref = refs.get(0);
        Runnable rest = () -> all(refs.subList(1, refs.size()), next);
        if (ref.name().isEmpty()) {
            finish(notOwn(ref));
            return;
        }
        whose(ref.kind(), inspect(ref.kind(), ref.name(), StandardCharsets.UTF_8), (own, id, answer) -> {
            if (own) {
                rest.run();
            } else {
                finish(notOwn(ref));
            }
        });
    }

    private Answer notOwn(References.Reference ref) {
        String why = ref.kind() == ObjectKind.VOLUME
                ? "an own-only client mounts only volumes it created (a missing one would be created without its owner"
                        + " label: create it first with `docker volume create`)"
                : "an own-only client reaches only " + ref.kind().noun() + "s it created";
        return Answer.error(403, "sockwarden: client \"" + client.name() + "\" may not call " + op.id() + " with " + ref.field()
                + ": " + ref.kind().noun() + " \"" + ref.name() + "\" is not one of its own; " + why);
    }

    /** A network or volume name must be free or the client's own. */
    private void nameFree(ObjectKind kind, String name, Runnable next) {
        if (name.isEmpty() || kind == ObjectKind.CONTAINER) {
            next.run();
            return;
        }
        whose(kind, inspect(kind, name, StandardCharsets.UTF_8), (own, id, answer) -> {
            if (own || answer != null && answer.status() == 404) {
                next.run();
            } else {
                finish(Answer.error(409, "sockwarden: client \"" + client.name() + "\" may not create " + kind.noun() + " \"" + name
                        + "\": the name is in use; choose another"));
            }
        });
    }

    // --- requests to the engine

    /** The client's own request, as a lookup (an inspect operation answers its own owner check). */
    private EngineProbe.Call asClient() {
        return new EngineProbe.Call(request.getMethod(), rawPath() + querySuffix(), request, null);
    }

    /** An inspect of the {@code kind} named {@code ref} (its bytes in {@code charset}), with the client's API version. */
    private EngineProbe.Call inspect(ObjectKind kind, String ref, Charset charset) {
        return new EngineProbe.Call("GET", version() + DockerApi.expand(kind.inspect(), encode(ref, charset)), null, null);
    }

    private void probe(EngineProbe.Call call, Consumer<Answer> next) {
        if (cancelled != null || completed.get()) {
            return;
        }
        Cancellable sent = probe.send(call, Scope.MAX_ANSWER, Promise.from(answer -> step(() -> next.accept(answer)), this::probeFailed));
        current = sent;
        if (cancelled != null) {
            sent.cancel(cancelled);
        }
    }

    private void probeFailed(Throwable failure) {
        if (failure instanceof EngineProbe.TooLargeException large) {
            finish(Answer.error(502, "sockwarden: " + large.getMessage() + ", more than sockwarden reads to check or redact it;"
                    + " nothing of it was passed on"));
        } else {
            fail(failure);
        }
    }

    // --- answers

    /** A container inspect answer without the client's redacted fields; any other answer as it is. */
    private Answer redacted(Answer answer) {
        if (op != Operation.CONTAINERS_INSPECT || client.rules().redacted().isEmpty() || answer.status() != 200) {
            return answer;
        }
        try {
            return answer.withBody(AnswerJson.redact(answer.body(), client.rules().redacted()));
        } catch (IOException e) {
            return Answer.error(502, "sockwarden: the engine's container inspect answer could not be read to redact it ("
                    + e.getMessage() + "); nothing of it was passed on");
        }
    }

    /** The engine reads a form body's fields as query parameters (filters, container): refused, as the guard does. */
    private void refuseForm() {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (type != null && type.toLowerCase(Locale.ROOT).contains("x-www-form-urlencoded")
                && !HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            throw new Refused(Answer.error(400, "sockwarden: client \"" + client.name() + "\" sent " + op.id() + " a form body (Content-Type "
                    + type + "): the engine would read query parameters from it, which sockwarden does not; send none"));
        }
    }

    private void step(Runnable work) {
        try {
            work.run();
        } catch (RefusedRequestException e) {
            finish(Answer.error(e.verdict().status(), e.verdict().message(client.name(), item -> item)));
        } catch (Refused r) {
            finish(r.answer);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void finish(Outcome outcome) {
        if (completed.compareAndSet(false, true)) {
            done.succeeded(outcome);
        }
    }

    private void fail(Throwable failure) {
        if (completed.compareAndSet(false, true)) {
            done.failed(failure);
        }
    }

    /** An answer decided before any lookup: thrown out of the step that found it. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Answer answer;

        Refused(Answer answer) {
            super(null, null, false, false);
            this.answer = answer;
        }
    }

    // --- the request's parts

    private byte[] bodyBytes() {
        if (body == null) {
            if (request.getLength() != 0 && (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
                throw new Refused(Answer.error(413, "sockwarden: client \"" + client.name() + "\" sent " + op.id() + " a body too long"
                        + " to check what it names; an own-only client's bodies are read whole"));
            }
            return null;
        }
        byte[] bytes = new byte[body.remaining()];
        body.slice().get(bytes);
        return bytes;
    }

    private String rawPath() {
        return request.getHttpURI().getPath();
    }

    private String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    private String querySuffix() {
        String q = rawQuery();
        return q == null ? "" : "?" + q;
    }

    /** The client's API version prefix ({@code /v1.41}), or "" when it sent none. */
    private String version() {
        return canonical.apiVersion() == null ? "" : "/v" + canonical.apiVersion();
    }

    /** Percent-encodes every byte but the unreserved characters: the engine decodes it back to {@code value}. */
    static String encode(String value, Charset charset) {
        StringBuilder b = new StringBuilder(value.length() + 16);
        for (byte x : value.getBytes(charset)) {
            int c = x & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return b.toString();
    }

    /** A name no object has: 30 letters that are no hexadecimal digits (about 130 random bits). */
    static String token() {
        char[] t = new char[30];
        for (int i = 0; i < t.length; i++) {
            t[i] = TOKEN_LETTERS.charAt(RANDOM.nextInt(TOKEN_LETTERS.length()));
        }
        return new String(t);
    }

    /** {@code body} with every occurrence of {@code token} taken out. */
    static byte[] strip(byte[] body, String token) {
        byte[] t = token.getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(body.length);
        int i = 0;
        while (i < body.length) {
            if (i + t.length <= body.length && java.util.Arrays.equals(body, i, i + t.length, t, 0, t.length)) {
                i += t.length;
            } else {
                out.write(body[i++]);
            }
        }
        return out.toByteArray();
    }
}
