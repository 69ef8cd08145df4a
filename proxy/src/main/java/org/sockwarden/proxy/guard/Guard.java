package org.sockwarden.proxy.guard;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.sockwarden.proxy.api.Operation;

/**
 * The body and query guard: whether one request's query and body are acceptable for one client,
 * judged the way the engine will read them. Immutable and thread-safe; one per proxy (a new one when
 * the engine behind the socket changes).
 *
 * <h2>How the wiring calls it</h2>
 * <ol>
 *   <li>For every request the client's permissions allow: when {@link #readsBody} says so, read the
 *       body (at most {@link #BODY_CAP} + 1 bytes: more is refused with 413, never forwarded
 *       uninspected) before opening the engine connection;</li>
 *   <li>call {@link #inspect} and act on the {@link Verdict}: forward as received, forward the
 *       rewritten body, or answer the refusal's status with its {@link Verdict.Refuse#message} in
 *       Docker's error shape.</li>
 * </ol>
 * What it checks: a form content type (the engine would read the query from the body), a
 * Content-Encoding on a body it reads, the body's size, the query against the operation's
 * {@link org.sockwarden.proxy.api.QueryParameters} and by value, and the body of each inspected
 * operation (see the inspector classes: containers create/update/exec/start, volumes and networks
 * create, services create/update, plugins pull/upgrade/set; plugins create is judged whole).
 */
public final class Guard {

    /** The most body the guard reads: 1 MiB. Docker's bodies are a few KiB; more is refused (413). */
    public static final int BODY_CAP = 1 << 20;

    private final HostPaths paths;
    private final EngineInfo engine;

    public Guard(HostPaths paths, EngineInfo engine) {
        this.paths = Objects.requireNonNull(paths, "paths");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    public EngineInfo engine() {
        return engine;
    }

    /** The same guard for another engine (detected, or changed behind the socket). */
    public Guard withEngine(EngineInfo other) {
        return new Guard(paths, other);
    }

    private static final String OVER_CAP = "the guard forwards no body it has not read whole";

    /**
     * The refusal of a body found to be longer than {@link #BODY_CAP} while it was read (chunked, so
     * its length was not declared): what {@link #inspect} answers for such a body, without holding
     * more than the cap of it to prove it.
     */
    public static Verdict.Refuse overCap(Operation op) {
        return Refusal.tooLarge(OVER_CAP).verdict(op);
    }

    /** Whether {@link #inspect} needs the body of requests of {@code op}. */
    public static boolean readsBody(Operation op) {
        return switch (op) {
            case CONTAINERS_CREATE, CONTAINERS_UPDATE, CONTAINERS_EXEC, CONTAINERS_START, VOLUMES_CREATE, NETWORKS_CREATE,
                    SERVICES_CREATE, SERVICES_UPDATE, PLUGINS_PULL, PLUGINS_UPGRADE, PLUGINS_SET -> true;
            default -> false;
        };
    }

    /**
     * The verdict on one request.
     *
     * @param rules the client's guardrails ({@link Guardrails#DEFAULT} for a client without any)
     * @param owner the owner label of an own-only client, or null; it wins over the client's own labels
     *              and over a {@code label=} item of the same key
     */
    public Verdict inspect(GuardedRequest request, Guardrails rules, Label owner) {
        Operation op = request.operation();
        try {
            return judge(request, new Inspection(rules, paths, engine, labels(rules, owner)));
        } catch (Refusal r) {
            return r.verdict(op);
        }
    }

    private static Map<String, String> labels(Guardrails rules, Label owner) {
        if (owner == null) {
            return rules.labels();
        }
        Map<String, String> all = new LinkedHashMap<>();
        rules.labels().forEach((k, v) -> {
            if (!GoFold.equalFold(k, owner.key())) {
                all.put(k, v);
            }
        });
        all.put(owner.key(), owner.value());
        return all;
    }

    private Verdict judge(GuardedRequest request, Inspection in) {
        Operation op = request.operation();
        String type = request.contentType() == null ? "" : request.contentType().toLowerCase(Locale.ROOT);
        if (type.contains("x-www-form-urlencoded") || type.contains("multipart/")) {
            throw Refusal.malformed("header Content-Type", "a form (" + Texts.quote(request.contentType()) + "): the engine"
                    + " reads a form body as query parameters, which the guard judges only in the query");
        }
        List<Queries.Param> params = Queries.parse(request.rawQuery());
        Queries.check(op, params, in);
        if (op == Operation.PLUGINS_CREATE) {
            HostRules.require(in.rules(), Relaxation.PLUGIN_PRIVILEGES, "body", "a plugin made from an uploaded archive runs"
                    + " with whatever privileges its config.json lists, which the guard does not read");
        }
        if (!readsBody(op)) {
            return Verdict.Forward.AS_RECEIVED;
        }
        if (request.contentEncoding() != null && !request.contentEncoding().isBlank()) {
            throw Refusal.malformed("header Content-Encoding", Texts.quote(request.contentEncoding()) + ": the guard reads"
                    + " bodies as sent and forwards only what it read; send the body unencoded");
        }
        byte[] body = Objects.requireNonNull(request.body(), "the body of " + op.id() + " (Guard.readsBody)");
        if (request.declaredLength() > BODY_CAP || body.length > BODY_CAP) {
            throw Refusal.tooLarge(OVER_CAP + (request.declaredLength() > BODY_CAP ? " (Content-Length " + request.declaredLength() + ")" : ""));
        }
        Json doc = JsonReader.read(body, body.length);
        Json result = switch (op) {
            case CONTAINERS_CREATE -> Containers.create(doc, in);
            case CONTAINERS_UPDATE -> {
                Containers.update(doc, in);
                yield doc;
            }
            case CONTAINERS_EXEC -> {
                Bodies.exec(doc, in);
                yield doc;
            }
            case CONTAINERS_START -> {
                Bodies.start(doc);
                yield doc;
            }
            case VOLUMES_CREATE -> Bodies.volume(doc, in);
            case NETWORKS_CREATE -> Bodies.network(doc, in);
            case SERVICES_CREATE, SERVICES_UPDATE -> Services.spec(doc, in);
            case PLUGINS_PULL, PLUGINS_UPGRADE -> {
                Bodies.pluginPrivileges(doc, in);
                yield doc;
            }
            case PLUGINS_SET -> {
                Bodies.pluginSettings(doc, in);
                yield doc;
            }
            default -> throw new IllegalStateException("readsBody and judge disagree on " + op);
        };
        return result == doc ? Verdict.Forward.AS_RECEIVED : new Verdict.Rewrite(JsonWriter.write(result));
    }
}
