package org.sockwarden.admin;

import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.request.CanonicalRequest;
import org.sockwarden.proxy.request.Canonicalizer;
import org.sockwarden.store.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Would the proxy allow this request from this client, and why?",
                "Exit code 0: allowed, 1: denied or refused."})
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "METHOD")
    String method;

    @Parameters(index = "2", paramLabel = "PATH", description = "As sent, e.g. /v1.41/containers/json?all=1")
    String path;

    @Mixin
    DataDir dataDir = new DataDir();

    @Override
    public Integer call() {
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
        String rawPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        CanonicalRequest canonical;
        try {
            canonical = Canonicalizer.canonicalize(method, rawPath);
        } catch (Canonicalizer.RejectedRequestException e) {
            System.out.println("refused (400) before any permission check: " + e.getMessage());
            return 1;
        }
        Decision decision = Decider.decide(config.client().permissions(), method, canonical);
        if (decision instanceof Decision.Unknown) {
            System.out.println("denied: " + method + " " + canonical.path() + " is not an endpoint of the Docker Engine API");
            return 1;
        }
        if (decision instanceof Decision.Allow allow) {
            System.out.println("allowed: " + allow.operation().id() + " (" + method + " " + rawPath + ") granted by " + allow.grantedBy());
            return 0;
        }
        Decision.Deny deny = (Decision.Deny) decision;
        System.out.println("denied: " + deny.operation().id() + " (" + method + " " + rawPath + ") needs "
                + deny.missing().stream().map(Permission::name).collect(Collectors.joining(" and "))
                + "; to allow it: " + config.client().grantAdvice().howToGrant(name, deny.missing()));
        return 1;
    }
}
