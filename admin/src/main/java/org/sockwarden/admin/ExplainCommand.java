package org.sockwarden.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.forward.EngineVersion;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.GuardedRequest;
import org.sockwarden.proxy.guard.HostPaths;
import org.sockwarden.proxy.guard.Verdict;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.listener.Ruling;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;
import org.sockwarden.store.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Would the proxy allow this request from this client, and why?",
                "The permission decision, then the guard's verdict on the query and (with --body) the body, with the field",
                "that decides it and the guardrail item that would relax it; learn mode as the proxy applies it. The guard",
                "judges for the engine the running proxy knows (else the engine at the socket), and bind sources as it does.",
                "Exit code 0: allowed (or forwarded in learn mode), 1: denied or refused."})
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "METHOD")
    String method;

    @Parameters(index = "2", paramLabel = "PATH", description = "As sent, e.g. /v1.41/containers/json?all=1")
    String path;

    @Option(names = "--body", paramLabel = "FILE",
            description = "The request's body, as the client sends it (what docker run sends to containers/create, say); without it, none.")
    Path body;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "The request's Content-Type (default: application/json with --body, else none).")
    String contentType;

    @Mixin
    DataDir dataDir = new DataDir();

    @Override
    public Integer call() throws IOException {
        // The whole policy, read as a proxy with this data directory reads it: a client whose rows cannot be applied is refused everything.
        Snapshot snapshot = StoreCommands.withStore(dataDir, s -> {
            s.client(name); // refuses an unknown name, listing the known ones
            return s.snapshot();
        });
        ClientConfig config = DirectoryCompiler.compile(snapshot, StoreCommands.surroundings(dataDir), w -> { }).byName(name);
        if (!config.applies()) {
            System.out.println("denied: client \"" + name + "\" is refused everything until its stored policy can be applied: "
                    + String.join("; ", config.problems()));
            return 1;
        }
        int q = path.indexOf('?');
        String rawPath = q >= 0 ? path.substring(0, q) : path;
        String rawQuery = q >= 0 ? path.substring(q + 1) : null;
        CanonicalRequest canonical;
        try {
            canonical = Canonicalizer.canonicalize(method, rawPath);
        } catch (Canonicalizer.RejectedRequestException e) {
            System.out.println("refused (400) before any permission check: " + e.getMessage());
            return 1;
        }
        Client client = config.client();
        Decision decision = Decider.decide(client.permissions(), method, canonical);
        if (decision instanceof Decision.Unknown) {
            System.out.println("denied: " + method + " " + canonical.path() + " is not an endpoint of the Docker Engine API");
            return 1;
        }
        Operation op = decision instanceof Decision.Allow a ? a.operation() : ((Decision.Deny) decision).operation();
        byte[] bytes = body == null ? new byte[0] : read(body);
        String type = contentType != null ? contentType : body != null ? "application/json" : null;
        GuardedRequest request = new GuardedRequest(op, rawQuery, type, null, bytes.length, Guard.readsBody(op) ? bytes : null);
        Ruling ruling = Ruling.of(client, decision, guard(), request, method, rawPath);
        String call = op.id() + " (" + method + " " + rawPath + ")";
        if (ruling instanceof Ruling.Refuse refused && refused.guard() == null) {
            Decision.Deny deny = (Decision.Deny) decision;
            System.out.println("denied: " + call + " needs " + deny.missing().stream().map(Permission::name).collect(Collectors.joining(" and "))
                    + "; to allow it: " + client.grantAdvice().howToGrant(name, deny.missing()));
            return 1;
        }
        System.out.println(decision instanceof Decision.Allow allow ? "allowed: " + call + " granted by " + allow.grantedBy()
                : "not granted: " + call + " needs " + ((Decision.Deny) decision).missing().stream().map(Permission::name)
                        .collect(Collectors.joining(" and ")) + " (client " + name + " is in learn mode)");
        if (body != null && !Guard.readsBody(op)) {
            System.out.println("guard: " + op.id() + " is not an operation whose body it reads; judged on its query and headers");
        }
        if (ruling instanceof Ruling.Refuse refused) {
            Verdict.Refuse r = refused.guard();
            System.out.println("refused (" + r.status() + ") by the guard: " + r.field() + ": " + r.constraint());
            System.out.println(r.remedy() != null ? "to allow it: guardrail " + r.remedy() + ": "
                    + client.grantAdvice().howToRelax(name, client.rules().guardrails(), r.remedy())
                    : r.status() == 403 ? "no guardrail allows it" : "no grant or guardrail allows it: the request must be sent otherwise");
            return 1;
        }
        Ruling.Forward forward = (Ruling.Forward) ruling;
        System.out.println("guard: " + (forward.body() != null ? "passes; the body is forwarded rewritten, with the labels it forces"
                : "passes" + (Guard.readsBody(op) ? "; the body is forwarded as it is" : "")));
        if (forward.verdict() == AuditRecord.Verdict.WOULD_DENY) {
            System.out.println("forwarded in learn mode, recorded as would-deny"
                    + (decision instanceof Decision.Deny deny ? "; to allow it: " + client.grantAdvice().howToGrant(name, deny.missing()) : "")
                    + (forward.guardrail() == null ? "" : "; guardrails it needs: " + forward.guardrail() + ": "
                    + client.grantAdvice().howToRelax(name, client.rules().guardrails(), forward.guardrail())));
        }
        return 0;
    }

    /** At most one byte over the guard's cap: enough for it to tell. */
    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(Guard.BODY_CAP + 1);
        }
    }

    /**
     * The guard as the running proxy of this data directory has it: for the engine it knows, judging bind
     * sources as it does; without a proxy, for the engine at the socket ({@link EngineVersion}), with the
     * host's paths as $SOCKWARDEN_HOST_PATHS says (visible unless hidden).
     */
    private Guard guard() {
        Path data = dataDir.resolve();
        Optional<StatusFile.Running> running = StatusFile.read(data);
        Path socket = running.map(r -> Path.of(r.engine())).orElseGet(() -> ServeCommand.defaultSocket(System.getenv()));
        EngineInfo engine = running.map(StatusFile.Running::engineInfo).orElseGet(() -> EngineVersion.ask(socket, Duration.ofSeconds(2)));
        String paths = running.map(StatusFile.Running::hostPaths).orElseGet(() -> System.getenv().getOrDefault(ServeCommand.HOST_PATHS, "visible"));
        HostPaths hostPaths = "hidden".equals(paths) ? HostPaths.hidden(socket, data) : HostPaths.visible(socket, data);
        if (!engine.known()) {
            System.out.println("engine: not identified (" + (running.isPresent() ? "the running proxy has not" : "nothing answers at " + socket)
                    + "): the guard judges as strictly as for Podman");
        }
        return new Guard(hostPaths, engine);
    }
}
