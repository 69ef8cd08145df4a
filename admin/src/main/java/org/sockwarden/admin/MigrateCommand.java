package org.sockwarden.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.sockwarden.admin.migrate.Migration;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.policy.Presets;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Fold other Docker socket proxies into sockwarden.",
        subcommands = MigrateCommand.Compose.class)
final class MigrateCommand {

    @Command(name = "compose", mixinStandardHelpOptions = true,
            description = {"Replace a compose file's socket-proxy services (tecnativa, linuxserver, wollomatic, 11notes, mjmccans)",
                    "by one sockwarden service with one client per service that used them, each with exactly the grants its proxy gave.",
                    "Prints the plan; --apply creates the clients in the data directory and writes the new compose file.",
                    "Exit code 1 when something cannot be mapped exactly (nothing is changed then)."})
    static final class Compose implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The compose file.")
        Path file;

        @Option(names = "--apply", description = "Create the clients and write the new compose file.")
        boolean apply;

        @Option(names = "--out", paramLabel = "FILE", description = "Where --apply writes the new compose file (default: FILE's name with .sockwarden before the extension).")
        Path out;

        @Option(names = "--narrow", description = "Give a known client (traefik, portainer, watchtower, homepage, ...) its preset instead, where that is a subset of what its proxy gave; the plan lists what it drops.")
        boolean narrow;

        @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "sockwarden", description = "Image of the sockwarden service (default: ${DEFAULT-VALUE}).")
        String image;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new Main.UsageException("no such file: " + file);
            }
            Migration plan;
            try {
                plan = Migration.plan(file, narrow);
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException(e.getMessage());
            }
            System.out.print(plan.describe());
            Path target = out != null ? out : defaultOut(file);
            if (!plan.refusals().isEmpty()) {
                System.out.println("nothing " + (apply ? "applied" : "to apply") + ": " + plan.refusals().size() + " thing(s) cannot be migrated exactly");
                return 1;
            }
            Path data = dataDir.resolve();
            if (!apply) {
                System.out.println("--apply creates these " + plan.clients().size() + " clients in " + data + " and writes " + target);
                return 0;
            }
            String newFile = plan.newFile(image, dataReference(data, target));
            createClients(plan, data);
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".migrate", ".yml");
            Files.writeString(tmp, newFile);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("created " + plan.clients().size() + " clients in " + data + "; wrote " + target);
            return 0;
        }

        /** All clients or none: a name already taken removes those this run created. */
        private static void createClients(Migration plan, Path data) {
            try (Store store = Store.open(data)) {
                List<String> created = new ArrayList<>();
                try {
                    for (Migration.Client c : plan.clients()) {
                        TreeSet<String> grants = new TreeSet<>(c.preset() != null ? Presets.get(c.preset()).permissions() : c.grants());
                        store.addClient(new StoredClient(c.name(), List.of(StoredClient.Listener.tcp("0.0.0.0:" + c.port())), List.of(), List.of(),
                                grants, c.preset() == null ? List.of() : List.of(c.preset()))
                                .withRedact(c.preset() == null ? "" : RedactedField.text(Presets.get(c.preset()).redacted())));
                        created.add(c.name());
                    }
                } catch (RuntimeException e) {
                    created.forEach(store::removeClient);
                    throw e;
                }
            }
        }

        static Path defaultOut(Path file) {
            String name = file.getFileName().toString();
            int dot = name.lastIndexOf('.');
            String out = dot > 0 ? name.substring(0, dot) + ".sockwarden" + name.substring(dot) : name + ".sockwarden.yml";
            return file.resolveSibling(out);
        }

        /** The data directory as the new file mounts it: relative to the file's directory when it lies under it. */
        static String dataReference(Path data, Path target) {
            Path dir = target.toAbsolutePath().normalize().getParent();
            Path abs = data.toAbsolutePath().normalize();
            return abs.startsWith(dir) ? "./" + dir.relativize(abs) : abs.toString();
        }
    }
}
