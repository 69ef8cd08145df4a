package org.sockwarden.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.Presets;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** grant, revoke, preset and import-env: the commands that change or show what a client may do. */
final class GrantCommands {
    private GrantCommands() {}

    /** NAME PERM…, validated: what grant and revoke both take. */
    static final class ClientPermissions {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PERM")
        List<String> permissions;

        @Mixin
        DataDir dataDir = new DataDir();

        List<String> names() {
            return StoreCommands.permissions(permissions);
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = "Grant permissions to a client; a running proxy applies them within a second.")
    static final class Grant implements Callable<Integer> {
        @Mixin
        ClientPermissions args = new ClientPermissions();

        @Override
        public Integer call() {
            List<String> names = args.names();
            List<String> added = StoreCommands.withStore(args.dataDir, s -> s.grant(args.name, names, List.of()));
            System.out.println(added.isEmpty() ? "client " + args.name + " already had " + String.join(" ", names)
                    : "granted " + args.name + ": " + String.join(" ", added));
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke permissions; a running proxy refuses them, and ends streams that used them, within a second.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ClientPermissions args = new ClientPermissions();

        @Override
        public Integer call() {
            List<String> names = args.names();
            List<String> removed = StoreCommands.withStore(args.dataDir, s -> s.revoke(args.name, names));
            System.out.println(removed.isEmpty() ? "client " + args.name + " had none of " + String.join(" ", names)
                    : "revoked " + args.name + ": " + String.join(" ", removed));
            return 0;
        }
    }

    @Command(name = "preset", mixinStandardHelpOptions = true, description = "Least-privilege sets for well-known clients.",
            subcommands = {PresetList.class, PresetShow.class})
    static final class Preset {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the presets.")
    static final class PresetList implements Callable<Integer> {
        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        public Integer call() {
            if (json) {
                System.out.println("[" + Presets.all().stream().map(GrantCommands::json).collect(Collectors.joining(",\n ")) + "]");
            } else {
                for (Presets.Preset p : Presets.all()) {
                    System.out.println(p.name() + "\t" + p.description());
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a preset's permissions and what they are based on.")
    static final class PresetShow implements Callable<Integer> {
        @Parameters(paramLabel = "PRESET")
        String name;

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        public Integer call() {
            Presets.Preset p = StoreCommands.preset(name);
            System.out.println(json ? json(p) : p.name() + ": " + p.description() + "\n  permissions: "
                    + String.join(" ", p.permissions()) + (p.redacted().isEmpty() ? "" : "\n  redacted from container inspect: "
                    + org.sockwarden.proxy.api.RedactedField.text(p.redacted())) + "\n  based on: " + p.basis());
            return 0;
        }
    }

    static String json(Presets.Preset p) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", p.name());
            g.writeStringField("description", p.description());
            g.writeArrayFieldStart("permissions");
            for (String permission : p.permissions()) {
                g.writeString(permission);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("redact");
            for (String field : org.sockwarden.proxy.api.RedactedField.text(p.redacted()).split(" ")) {
                if (!field.isEmpty()) {
                    g.writeString(field);
                }
            }
            g.writeEndArray();
            g.writeStringField("basis", p.basis());
            g.writeEndObject();
        });
    }

    @Command(name = "import-env", mixinStandardHelpOptions = true,
            description = {"Grant a client what an env file of tecnativa/linuxserver style (KEY=1 lines) grants,",
                    "defaults (EVENTS, PING, VERSION) included. Creates the client if it does not exist."})
    static final class ImportEnv implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--env-file", paramLabel = "FILE", description = "The env file (default: the process environment).")
        Path envFile;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() throws Exception {
            PermissionSet set;
            try {
                set = envFile == null ? EnvFlags.fromEnvironment(System.getenv())
                        : EnvFlags.fromEnvFile(Files.readAllLines(envFile), envFile.toString());
            } catch (EnvFlags.InvalidFlagException e) {
                throw new Main.UsageException(e.getMessage());
            }
            List<String> names = set.permissions().stream().map(Permission::name).sorted().toList();
            StoreCommands.withStore(dataDir, s -> {
                boolean exists = s.snapshot().clients().stream().anyMatch(c -> c.name().equals(name));
                if (!exists) {
                    s.addClient(new StoredClient(name, List.of(), List.of(), List.of(), new java.util.TreeSet<>(), List.of()));
                }
                s.grant(name, names, List.of());
                return null;
            });
            System.out.println("granted " + name + ": " + String.join(" ", names));
            return 0;
        }
    }

}
