package org.sockwarden.admin;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"The least permissions that allow what a client was recorded doing.",
                "Reads its allowed and (in learn mode) would-deny requests in the audit trail; lists each name with",
                "counts and an example request, and the guardrail items its requests needed. With a preset (--preset,",
                "else the presets the client was given) only what goes beyond it is listed. --apply grants it, adds the",
                "guardrail items, and turns learn mode off. Exit code 0: a suggestion (or it was applied), 1: nothing recorded."})
final class SuggestCommand implements Callable<Integer> {

    /** The decisions of requests the client made and wants to keep making. */
    static final Set<String> USED = Set.of("allow", "would-deny");

    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--since", paramLabel = "SPAN|INSTANT", description = "Only records since then (default: all the trail keeps).")
    String since;

    @Option(names = "--preset", paramLabel = "PRESET",
            description = "Start from this preset (repeatable): list only what goes beyond it (default: the client's own presets).")
    List<String> presets = new ArrayList<>();

    @Option(names = "--apply", description = "Grant the suggestion (and the presets), add its guardrail items, and turn learn mode off.")
    boolean apply;

    @Override
    public Integer call() {
        Instant from = since == null ? Instant.EPOCH : Durations.since("--since", since, Instant.now());
        StoredClient client = StoreCommands.withStore(dataDir, s -> s.client(name));
        List<String> baselinePresets = presets.isEmpty() ? client.presets() : presets;
        List<Permission> baselineNames = new ArrayList<>();
        for (String p : baselinePresets) {
            baselineNames.addAll(StoreCommands.preset(p).permissionSet().permissions());
        }
        PermissionSet baseline = PermissionSet.of(baselineNames);
        Path data = dataDir.resolve();
        if (!AuditStore.exists(data)) {
            System.out.println("nothing recorded: no audit trail in " + data + " (serve writes " + AuditStore.FILE + " unless --no-audit)");
            return 1;
        }
        Recorded recorded = recorded(data, from, client);
        if (recorded.requests == 0) {
            System.out.println("nothing recorded for client \"" + name + "\"" + (since == null ? "" : " since " + from)
                    + ": no allowed or would-deny request in the audit trail");
            return 1;
        }
        Suggestion suggestion = Suggestion.of(recorded.uses, recorded.guardrails, baseline);
        System.out.print(text(suggestion, recorded, from, baselinePresets));
        if (apply) {
            apply(suggestion, baselinePresets);
        }
        return 0;
    }

    /**
     * What the trail holds for the client: operation uses and guardrail items (those it has not already), each
     * with one example request, and what this version cannot read.
     */
    private record Recorded(long requests, long wouldDeny, List<Suggestion.Use> uses, List<Suggestion.GuardrailOption> guardrails,
                            List<String> unknownOperations, List<String> unknownGuardrails) {}

    private Recorded recorded(Path data, Instant from, StoredClient client) {
        Guardrails has;
        try {
            has = Guardrails.parse(client.guardrails());
        } catch (InvalidGuardrailsException e) {
            has = Guardrails.DEFAULT; // unreadable: every item is listed, and --apply refuses to touch them
        }
        try (AuditStore audit = AuditStore.open(data)) {
            List<AuditStore.Usage> usage = audit.usage(name, USED, from);
            Map<Long, AuditEntry> examples = new LinkedHashMap<>();
            audit.entries(usage.stream().map(AuditStore.Usage::lastId).toList()).forEach(e -> examples.put(e.id(), e));
            long requests = 0;
            long wouldDeny = 0;
            List<Suggestion.Use> uses = new ArrayList<>();
            Map<String, Suggestion.GuardrailOption> guardrails = new LinkedHashMap<>();
            Set<String> unknown = new LinkedHashSet<>();
            Set<String> unknownGuardrails = new LinkedHashSet<>();
            for (AuditStore.Usage u : usage) {
                requests += u.count();
                wouldDeny += u.decision().equals("would-deny") ? u.count() : 0;
                String example = example(examples.get(u.lastId()));
                Operation op = OperationNames.byId(u.operation());
                if (op != null) {
                    uses.add(new Suggestion.Use(op, u.count(), example));
                } else if (u.operation() != null) {
                    unknown.add(u.operation());
                }
                // A record names every item its request needed, in the guardrails' text form.
                for (String item : items(u.guardrail(), unknownGuardrails)) {
                    if (!has.plus(Guardrails.parse(item)).equals(has)) {
                        guardrails.merge(item, new Suggestion.GuardrailOption(item, u.count(), example),
                                (a, b) -> new Suggestion.GuardrailOption(a.option(), a.count() + b.count(), a.example()));
                    }
                }
            }
            return new Recorded(requests, wouldDeny, uses, List.copyOf(guardrails.values()), List.copyOf(unknown),
                    List.copyOf(unknownGuardrails));
        }
    }

    /** The items of a record's guardrail text; a text this version cannot read goes to {@code unknown}. */
    private static List<String> items(String guardrail, Set<String> unknown) {
        if (guardrail == null) {
            return List.of();
        }
        try {
            return Guardrails.parse(guardrail).items();
        } catch (InvalidGuardrailsException e) {
            unknown.add(guardrail);
            return List.of();
        }
    }

    private static String example(AuditEntry e) {
        return e == null ? "(no longer in the trail)" : e.method() + " " + e.target();
    }

    private String text(Suggestion s, Recorded r, Instant from, List<String> baselinePresets) {
        StringBuilder b = new StringBuilder();
        b.append("client \"").append(name).append("\": ").append(r.requests).append(r.requests == 1 ? " request" : " requests")
                .append(from.equals(Instant.EPOCH) ? "" : " since " + from).append(" (").append(r.requests - r.wouldDeny)
                .append(" allowed, ").append(r.wouldDeny).append(" would have been denied)");
        if (!baselinePresets.isEmpty()) {
            b.append(", beyond preset ").append(String.join(" + ", baselinePresets));
        }
        b.append('\n');
        if (s.items().isEmpty()) {
            b.append("  nothing beyond ").append(baselinePresets.isEmpty() ? "what was granted" : "the preset").append('\n');
        }
        for (Suggestion.Item item : s.items()) {
            b.append(String.format("  %-28s %6d  %s; e.g. %s%n", item.grant(), item.count(),
                    item.uses().stream().map(u -> u.operation().id() + " " + u.count()).collect(Collectors.joining(", ")),
                    item.uses().get(0).example()));
        }
        if (!s.guardrails().isEmpty()) {
            b.append("guardrail items it needed:\n");
            for (Suggestion.GuardrailOption g : s.guardrails()) {
                b.append(String.format("  %-28s %6d  e.g. %s%n", g.option(), g.count(), g.example()));
            }
        }
        if (!r.unknownOperations().isEmpty()) {
            b.append("not known to this version, left out: ").append(String.join(", ", r.unknownOperations())).append('\n');
        }
        if (!r.unknownGuardrails().isEmpty()) {
            b.append("guardrails not known to this version, left out: ").append(String.join(", ", r.unknownGuardrails())).append('\n');
        }
        if (!s.names().isEmpty()) {
            b.append("grant: sockwarden grant ").append(name).append(' ')
                    .append(s.names().stream().map(Permission::name).collect(Collectors.joining(" "))).append('\n');
        }
        if (!s.guardrails().isEmpty()) {
            b.append("guardrails: ").append(Client.GrantAdvice.CLI.howToRelax(name, Guardrails.DEFAULT,
                    s.guardrails().stream().map(Suggestion.GuardrailOption::option).collect(Collectors.joining(" ")))).append('\n');
        }
        if (!apply) {
            b.append("apply: sockwarden suggest ").append(name).append(" --apply").append(since == null ? "" : " --since " + since)
                    .append(presets.stream().map(p -> " --preset " + p).collect(Collectors.joining())).append('\n');
        }
        return b.toString();
    }

    private void apply(Suggestion s, List<String> baselinePresets) {
        List<String> grants = new ArrayList<>();
        for (String p : baselinePresets) {
            grants.addAll(StoreCommands.preset(p).permissions());
        }
        s.names().forEach(p -> grants.add(p.name()));
        List<String> added = StoreCommands.withStore(dataDir, st -> st.grant(name, grants, baselinePresets));
        System.out.println(added.isEmpty() ? "client " + name + " already had all of it" : "granted " + name + ": " + String.join(" ", added));
        Guardrails items = Guardrails.parse(s.guardrails().stream().map(Suggestion.GuardrailOption::option).collect(Collectors.joining(" ")));
        boolean[] wasLearning = new boolean[1];
        // The guardrail items and the end of learn mode in one change, through the path `client set --guardrail` takes.
        StoredClient after = StoreCommands.withStore(dataDir, st -> {
            DirectoryCompiler.Surroundings around = StoreCommands.surroundings(dataDir);
            return st.updateClient(name, old -> {
                wasLearning[0] = StoredClient.LEARN.equals(old.mode());
                return old.withRules(StoredClient.ENFORCE, ClientCommand.guardrails(old, items, Guardrails.DEFAULT), old.ownOnly());
            }, changed -> DirectoryCompiler.refuseUnappliable(name, changed, around));
        });
        if (!items.equals(Guardrails.DEFAULT)) {
            System.out.println("guardrails of " + name + ": " + after.guardrails());
        }
        System.out.println(wasLearning[0] ? "learn mode off for " + name + ": requests beyond its grants and guardrails are refused from now on"
                : "client " + name + " was not in learn mode");
    }
}
