package org.sockwarden.admin.migrate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.Presets;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The plan that folds a compose file's socket-proxy services into one sockwarden service: which
 * services are proxies and what each allowed, which services use each one, one client per consumer
 * with exactly its proxy's grants (or, narrowed, its preset), and the new file. What cannot be mapped
 * exactly is refused with the reason; a plan with refusals is never applied.
 */
public final class Migration {

    /** The proxy images this knows, by the image's repository path without registry and tag. */
    enum Kind {
        TECNATIVA("tecnativa/docker-socket-proxy"),
        LINUXSERVER("linuxserver/socket-proxy"),
        WOLLOMATIC("wollomatic/socket-proxy"),
        ELEVEN_NOTES("11notes/socket-proxy"),
        MJMCCANS("mjmccans/docker-socket-proxy");

        final String repository;

        Kind(String repository) {
            this.repository = repository;
        }

        static Kind of(String image) {
            if (image == null) {
                return null;
            }
            String repo = image.replaceFirst("@.*$", "").replaceFirst(":[^/:]*$", "");
            for (Kind k : values()) {
                if (repo.equals(k.repository) || repo.endsWith("/" + k.repository)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** A proxy service and what it allowed. */
    public record Proxy(String service, Kind kind, String image, List<String> settings, Set<Operation> allowed, List<String> grants,
                        List<String> notes, String socketSource, List<String> networks) {}

    /** A place in a consumer that names a proxy's endpoint: the scalar, and the text to replace in it. */
    record Reference(ScalarNode node, String proxy, String endpoint, String where) {}

    /** One client per consuming service. */
    public record Client(String name, String service, List<String> proxies, int port, List<String> grants, String preset,
                         List<String> dropped, List<String> notes, List<Reference> references) {
        public String endpoint() {
            return "tcp://" + SERVICE + ":" + port;
        }
    }

    static final String SERVICE = "sockwarden";
    static final int FIRST_PORT = 2380;
    private static final Pattern ENDPOINT = Pattern.compile("(tcp|http|https)://([A-Za-z0-9_.-]+):([0-9]{1,5})");
    private static final Map<String, String> PRESET_BY_IMAGE = Map.ofEntries(Map.entry("traefik", "traefik"),
            Map.entry("portainer-ce", "portainer"), Map.entry("portainer-ee", "portainer"), Map.entry("portainer", "portainer"),
            Map.entry("watchtower", "watchtower"), Map.entry("homepage", "homepage"), Map.entry("dozzle", "dozzle"),
            Map.entry("diun", "diun"), Map.entry("uptime-kuma", "uptime-kuma"), Map.entry("glances", "glances"),
            Map.entry("netdata", "netdata"), Map.entry("crowdsec", "crowdsec"));

    private final ComposeFile file;
    private final boolean narrow;
    private final List<Proxy> proxies = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();
    private final List<String> refusals = new ArrayList<>();

    private Migration(ComposeFile file, boolean narrow) {
        this.file = file;
        this.narrow = narrow;
    }

    public static Migration plan(Path compose, boolean narrow) throws IOException {
        Migration m = new Migration(ComposeFile.read(compose), narrow);
        m.plan();
        return m;
    }

    public List<Proxy> proxies() {
        return proxies;
    }

    public List<Client> clients() {
        return clients;
    }

    public List<String> refusals() {
        return refusals;
    }

    // ---------------------------------------------------------------- finding proxies and consumers

    private void plan() throws IOException {
        Map<String, ComposeFile.Service> proxyServices = new LinkedHashMap<>();
        for (ComposeFile.Service s : file.services()) {
            Kind kind = Kind.of(ComposeFile.scalar(s.body(), "image"));
            if (kind != null) {
                proxyServices.put(s.name(), s);
                proxies.add(proxy(s, kind));
            }
        }
        if (proxies.isEmpty()) {
            refusals.add("no socket-proxy service in " + file.path + " (images of " + String.join(", ",
                    java.util.Arrays.stream(Kind.values()).map(k -> k.repository).toList()) + ")");
            return;
        }
        Map<String, Proxy> byAlias = new LinkedHashMap<>();
        for (Proxy p : proxies) {
            ComposeFile.Service s = proxyServices.get(p.service());
            byAlias.put(p.service(), p);
            for (String key : List.of("container_name", "hostname")) {
                String alias = ComposeFile.scalar(s.body(), key);
                if (alias != null) {
                    byAlias.put(alias, p);
                }
            }
            if (ComposeFile.get(s.body(), "ports") != null) {
                refusals.add("proxy " + p.service() + " publishes ports: clients outside this file use it, and migrate cannot point them elsewhere");
            }
            Set<String> sources = new TreeSet<>(ComposeFile.strings(ComposeFile.get(s.body(), "volumes")));
            sources.removeIf(v -> v.contains("docker.sock") || v.contains("podman.sock"));
            for (ComposeFile.Service other : file.services()) {
                if (!proxyServices.containsKey(other.name())) {
                    for (String v : ComposeFile.strings(ComposeFile.get(other.body(), "volumes"))) {
                        String src = v.split(":")[0];
                        if (sources.stream().anyMatch(mine -> mine.split(":")[0].equals(src))) {
                            refusals.add("service " + other.name() + " shares volume " + src + " with proxy " + p.service()
                                    + " (a unix socket of the proxy's?): consumers of a proxy's socket are not migrated");
                        }
                    }
                }
            }
        }
        Set<String> socketSources = new TreeSet<>();
        proxies.forEach(p -> socketSources.add(p.socketSource()));
        if (socketSources.size() > 1) {
            refusals.add("the proxies reach different engine sockets " + socketSources + ": one sockwarden serves one engine");
        }

        int port = FIRST_PORT;
        for (ComposeFile.Service s : file.services()) {
            if (proxyServices.containsKey(s.name())) {
                continue;
            }
            List<Reference> refs = references(s, byAlias);
            if (refs.isEmpty()) {
                for (Proxy p : proxies) {
                    List<String> shared = new ArrayList<>(networks(s.body()));
                    shared.retainAll(p.networks());
                    shared.remove("default");
                    if (!shared.isEmpty()) {
                        refusals.add("service " + s.name() + " shares network " + shared.get(0) + " with proxy " + p.service()
                                + " but names no proxy endpoint in this file (its own configuration may): set its DOCKER_HOST=tcp://"
                                + p.service() + ":2375 here, or take it off that network, so migrate knows");
                    }
                }
                continue;
            }
            clients.add(client(s, refs, port++));
        }
        if (clients.isEmpty()) {
            refusals.add("no service names a proxy's endpoint (DOCKER_HOST=tcp://PROXY:PORT, a label or a command argument)");
        }
    }

    private Proxy proxy(ComposeFile.Service s, Kind kind) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String envFile : ComposeFile.strings(ComposeFile.get(s.body(), "env_file"))) {
            Path f = file.path.toAbsolutePath().getParent().resolve(envFile);
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#") || !l.contains("=")) {
                    continue;
                }
                l = l.startsWith("export ") ? l.substring(7).strip() : l;
                String value = l.substring(l.indexOf('=') + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'")) && value.endsWith(value.substring(0, 1))) {
                    value = value.substring(1, value.length() - 1);
                }
                env.put(l.substring(0, l.indexOf('=')).strip(), value);
            }
        }
        env.putAll(ComposeFile.environment(s.body()));
        List<String> notes = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        env.forEach((k, v) -> {
            if (v == null) {
                refusals.add("proxy " + s.name() + ": " + k + " takes its value from the host's environment, which migrate cannot see");
            } else if (v.contains("$")) {
                refusals.add("proxy " + s.name() + ": " + k + "=" + v + " is interpolated by compose; write the value it has");
            }
        });
        List<String> command = commandArgs(s.body());
        ProxyRules rules;
        switch (kind) {
            case TECNATIVA, LINUXSERVER -> {
                Set<String> known = new LinkedHashSet<>(ProxyRules.HAPROXY_SECTIONS);
                known.addAll(List.of("POST", "ALLOW_RESTARTS", "ALLOW_START", "ALLOW_STOP"));
                if (kind == Kind.LINUXSERVER) {
                    known.addAll(List.of("ALLOW_ARCHIVE", "ALLOW_CHANGES", "ALLOW_EXPORT", "ALLOW_LOGS", "ALLOW_TOP", "ALLOW_PAUSE", "ALLOW_UNPAUSE"));
                }
                Map<String, String> flags = new LinkedHashMap<>();
                for (String d : EnvFlags.DEFAULTS) {
                    flags.put(d, "1");
                }
                env.forEach((k, v) -> {
                    if (v == null) {
                        return;
                    }
                    if (known.contains(k)) {
                        flags.put(k, v);
                        settings.add(k + "=" + v);
                        String lower = v.strip().toLowerCase(Locale.ROOT);
                        if (!v.strip().matches("[0-9]+") && (lower.equals("true") || lower.equals("yes") || lower.equals("on"))) {
                            notes.add(k + "=" + v + " is off in this proxy (HAProxy reads numbers only), so it stays off");
                        }
                    } else if (k.startsWith("LIBPOD_") && ProxyRules.haproxyBool(v)) {
                        refusals.add("proxy " + s.name() + ": " + k + "=" + v + " opens Podman's libpod API, which sockwarden does not serve");
                    } else if (!EnvFlags.SETTINGS.contains(k) && !k.startsWith("LIBPOD_")) {
                        notes.add(k + "=" + v + " is not a setting of " + kind.repository + ", which ignores it");
                    }
                });
                rules = kind == Kind.TECNATIVA ? ProxyRules.tecnativa(flags) : ProxyRules.linuxserver(flags);
            }
            case WOLLOMATIC -> rules = wollomatic(s.name(), env, command, settings, notes);
            case ELEVEN_NOTES -> {
                settings.add("(read-only: GET and HEAD, less what its source blocks)");
                rules = ProxyRules.elevenNotes();
            }
            case MJMCCANS -> {
                env.forEach((k, v) -> {
                    if (v != null && (ProxyRules.MJMCCANS.containsKey(k) || k.endsWith("_DELETE") || k.equals("DESCRIPTIVE_ERRORS"))) {
                        settings.add(k + "=" + v);
                    }
                });
                rules = ProxyRules.mjmccans(env);
            }
            default -> throw new IllegalStateException(kind.name());
        }
        Set<Operation> allowed = Set.of();
        List<String> grants = List.of();
        try {
            ProxyRules.Decisions d = rules.decide();
            allowed = d.allowedOperations();
            grants = Grants.exactly(allowed);
            List<String> explicit = allowed.stream().filter(op -> op.access() == org.sockwarden.proxy.api.Access.EXPLICIT)
                    .map(Operation::id).toList();
            if (!explicit.isEmpty()) {
                notes.add("it allowed " + String.join(", ", explicit) + ", which read files, attach or write while looking like reads:"
                        + " kept, as its grants are copied exactly; --narrow or `sockwarden revoke` takes them away");
            }
            if (!d.widened().isEmpty()) {
                notes.add("sockwarden decides per operation, so these are allowed in every form: " + String.join("; ", d.widened()));
            }
            d.unmappable().forEach(u -> refusals.add("proxy " + s.name() + ": " + u));
        } catch (IllegalArgumentException e) {
            refusals.add("proxy " + s.name() + ": " + e.getMessage());
        }
        String socket = null;
        for (String v : ComposeFile.strings(ComposeFile.get(s.body(), "volumes"))) {
            String[] parts = v.split(":");
            if (parts.length >= 2 && parts[1].endsWith(".sock")) {
                socket = parts[0];
            }
        }
        if (socket == null) {
            refusals.add("proxy " + s.name() + " mounts no engine socket (a volume SOURCE:/var/run/docker.sock)");
            socket = "/var/run/docker.sock";
        }
        return new Proxy(s.name(), kind, ComposeFile.scalar(s.body(), "image"), settings, allowed, grants, notes, socket, networks(s.body()));
    }

    private ProxyRules wollomatic(String service, Map<String, String> env, List<String> command, List<String> settings, List<String> notes) {
        Map<String, List<String>> fromEnv = new LinkedHashMap<>();
        Map<String, List<String>> fromArgs = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (v == null) {
                return;
            }
            if (k.startsWith("SP_ALLOW_")) {
                String method = k.substring(9).split("_")[0];
                fromEnv.computeIfAbsent(method, x -> new ArrayList<>()).add(v);
                settings.add(k + "=" + v);
            } else if (Set.of("SP_PROXYSOCKETENDPOINT", "SP_ALLOWBINDMOUNTFROM", "SP_PROXYCONTAINERNAME").contains(k) && !v.isEmpty()) {
                refusals.add("proxy " + service + ": " + k + "=" + v + " is not mapped (" + why(k.substring(3).toLowerCase(Locale.ROOT)) + ")");
            } else if (k.equals("SP_ALLOWFROM")) {
                notes.add(k + "=" + v + ": sockwarden tells its clients apart by their own ports instead");
            }
        });
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (!arg.startsWith("-")) {
                continue;
            }
            String flag = arg.replaceFirst("^--?", "");
            String value = null;
            if (flag.contains("=")) {
                value = flag.substring(flag.indexOf('=') + 1);
                flag = flag.substring(0, flag.indexOf('='));
            } else if (flag.startsWith("allow") && i + 1 < command.size()) {
                value = command.get(++i);
            }
            if (flag.startsWith("allow") && flag.length() > 5 && Character.isUpperCase(flag.charAt(5)) && value != null) {
                fromArgs.computeIfAbsent(flag.substring(5), x -> new ArrayList<>()).add(value);
                settings.add("-" + flag + "=" + value);
            } else if (Set.of("proxysocketendpoint", "allowbindmountfrom", "proxycontainername").contains(flag)) {
                refusals.add("proxy " + service + ": -" + flag + " is not mapped (" + why(flag) + ")");
            } else if (flag.equals("allowfrom")) {
                notes.add("-allowfrom" + (value == null ? "" : "=" + value) + ": sockwarden tells its clients apart by their own ports instead");
            }
        }
        Map<String, List<String>> effective = new LinkedHashMap<>(fromEnv);
        effective.putAll(fromArgs); // a method given on the command line ignores the environment's, as in wollomatic's config.go
        return ProxyRules.wollomatic(effective);
    }

    private static String why(String flag) {
        return switch (flag) {
            case "proxysocketendpoint" -> "its consumers use a unix socket migrate cannot follow";
            case "allowbindmountfrom" -> "a bind-mount allowlist; sockwarden's container-create constraints are set per client by hand";
            default -> "per-container allowlists in labels; give each consumer its grants with sockwarden grant";
        };
    }

    private static List<String> commandArgs(MappingNode service) {
        Node n = ComposeFile.get(service, "command");
        if (n instanceof ScalarNode s) {
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("'([^']*)'|\"([^\"]*)\"|(\\S+)").matcher(s.getValue());
            while (m.find()) {
                out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
            }
            return out;
        }
        return ComposeFile.strings(n);
    }

    private static List<String> networks(MappingNode service) {
        Node n = ComposeFile.get(service, "networks");
        if (n == null) {
            return ComposeFile.get(service, "network_mode") == null ? List.of("default") : List.of();
        }
        return ComposeFile.strings(n);
    }

    /** Scalars in the service's environment, labels, command and entrypoint that name a proxy's endpoint. */
    private List<Reference> references(ComposeFile.Service s, Map<String, Proxy> byAlias) {
        List<Reference> out = new ArrayList<>();
        for (String key : List.of("environment", "labels", "command", "entrypoint")) {
            for (ScalarNode node : ComposeFile.scalars(ComposeFile.get(s.body(), key))) {
                Matcher m = ENDPOINT.matcher(node.getValue());
                while (m.find()) {
                    Proxy p = byAlias.get(m.group(2));
                    if (p != null) {
                        String endpoint = m.group(2) + ":" + m.group(3);
                        if (!file.raw(node).contains(endpoint)) {
                            refusals.add("service " + s.name() + ": its " + key + " names " + endpoint + " in a form migrate cannot rewrite in place");
                        }
                        out.add(new Reference(node, p.service(), endpoint, key));
                    }
                }
            }
        }
        return out;
    }

    private Client client(ComposeFile.Service s, List<Reference> refs, int port) {
        List<String> via = refs.stream().map(Reference::proxy).distinct().toList();
        Set<Operation> allowed = new TreeSet<>();
        for (Proxy p : proxies) {
            if (via.contains(p.service())) {
                allowed.addAll(p.allowed());
            }
        }
        String name = s.name().replaceAll("[^a-zA-Z0-9_.-]", "-");
        List<String> notes = new ArrayList<>();
        if (name.equals("default")) {
            name = "default-service";
        }
        if (via.size() > 1) {
            notes.add("uses " + String.join(" and ", via) + ": its client has what either allowed");
        }
        List<String> grants = Grants.exactly(allowed);
        String preset = null;
        List<String> dropped = List.of();
        String candidate = presetFor(ComposeFile.scalar(s.body(), "image"));
        if (narrow && candidate != null) {
            PermissionSet presetSet = Presets.get(candidate).permissionSet();
            List<String> missing = new ArrayList<>();
            List<String> drops = new ArrayList<>();
            for (Operation op : Operation.values()) {
                if (presetSet.allows(op) && !allowed.contains(op)) {
                    missing.add(op.id());
                }
                if (!presetSet.allows(op) && allowed.contains(op)) {
                    drops.add(op.id());
                }
            }
            if (missing.isEmpty()) {
                preset = candidate;
                dropped = drops;
            } else {
                notes.add("preset " + candidate + " is not a subset of what its proxy allowed (it needs " + String.join(", ", missing)
                        + "): kept the proxy's grants");
            }
        } else if (narrow) {
            notes.add("not a known client (image " + ComposeFile.scalar(s.body(), "image") + "): kept the proxy's grants");
        }
        return new Client(name, s.name(), via, port, grants, preset, dropped, notes, refs);
    }

    private static String presetFor(String image) {
        if (image == null) {
            return null;
        }
        String repo = image.replaceFirst("@.*$", "").replaceFirst(":[^/:]*$", "");
        return PRESET_BY_IMAGE.get(repo.substring(repo.lastIndexOf('/') + 1));
    }

    // ---------------------------------------------------------------- the plan and the new file

    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Proxy p : proxies) {
            b.append("proxy ").append(p.service()).append(" (").append(p.image()).append("): ")
                    .append(p.settings().isEmpty() ? "its defaults" : String.join(" ", p.settings())).append('\n');
            b.append("  allowed ").append(p.allowed().size()).append(" operations: ").append(String.join(" ", p.grants())).append('\n');
            for (String n : p.notes()) {
                b.append("  note: ").append(n).append('\n');
            }
        }
        for (Client c : clients) {
            b.append("client ").append(c.name()).append(" for service ").append(c.service()).append(" (was ")
                    .append(String.join(", ", c.proxies())).append("): ").append(c.endpoint()).append('\n');
            if (c.preset() != null) {
                b.append("  preset ").append(c.preset()).append(", dropping ").append(c.dropped().isEmpty() ? "nothing" : String.join(" ", c.dropped()))
                        .append('\n');
            } else {
                b.append("  grants: ").append(c.grants().isEmpty() ? "(none)" : String.join(" ", c.grants())).append('\n');
            }
            for (Reference r : c.references()) {
                b.append("  ").append(r.where()).append(": ").append(r.endpoint()).append(" -> ").append(SERVICE).append(':').append(c.port())
                        .append('\n');
            }
            for (String n : c.notes()) {
                b.append("  note: ").append(n).append('\n');
            }
        }
        for (String r : refusals) {
            b.append("cannot migrate: ").append(r).append('\n');
        }
        return b.toString();
    }

    /** The compose file with the proxies replaced by one sockwarden service; {@code data} is the data directory as the file names it. */
    public String newFile(String image, String data) {
        List<ComposeFile.Edit> edits = new ArrayList<>();
        List<ComposeFile.Service> services = file.services();
        Set<String> proxyNames = new LinkedHashSet<>();
        proxies.forEach(p -> proxyNames.add(p.service()));
        boolean inserted = false;
        for (ComposeFile.Service s : services) {
            if (!proxyNames.contains(s.name())) {
                continue;
            }
            ComposeFile.Edit block = file.blockWithComments(s.key());
            edits.add(new ComposeFile.Edit(block.start(), block.end(), inserted ? "" : serviceBlock(s, image, data) + "\n"));
            inserted = true;
        }
        for (Client c : clients) {
            for (Reference r : c.references()) {
                int start = r.node().getStartMark().getIndex();
                int at = file.raw(r.node()).indexOf(r.endpoint());
                edits.add(new ComposeFile.Edit(start + at, start + at + r.endpoint().length(), SERVICE + ":" + c.port()));
            }
        }
        for (ComposeFile.Service s : services) {
            if (!proxyNames.contains(s.name())) {
                edits.addAll(dependsOn(s, proxyNames));
            }
        }
        return file.apply(edits);
    }

    /** depends_on entries naming proxies: the first becomes sockwarden, later ones go. */
    private List<ComposeFile.Edit> dependsOn(ComposeFile.Service s, Set<String> proxyNames) {
        List<ComposeFile.Edit> out = new ArrayList<>();
        Node n = ComposeFile.get(s.body(), "depends_on");
        List<ScalarNode> names = new ArrayList<>();
        if (n instanceof SequenceNode seq) {
            seq.getValue().forEach(item -> {
                if (item instanceof ScalarNode sn) {
                    names.add(sn);
                }
            });
        } else if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode sn) {
                    names.add(sn);
                }
            }
        }
        boolean first = true;
        for (ScalarNode name : names) {
            if (!proxyNames.contains(name.getValue())) {
                continue;
            }
            if (first) {
                int start = name.getStartMark().getIndex();
                int at = file.raw(name).indexOf(name.getValue());
                out.add(new ComposeFile.Edit(start + at, start + at + name.getValue().length(), SERVICE));
                first = false;
            } else if (n instanceof org.yaml.snakeyaml.nodes.CollectionNode<?> c && c.getFlowStyle() == org.yaml.snakeyaml.DumperOptions.FlowStyle.FLOW) {
                refusals.add("service " + s.name() + " depends on several proxies in flow style ([a, b]): write it as a block list");
            } else {
                // the whole entry: a "- name" line, or a "name:" key with its indented condition lines
                out.add(file.entryLines(name));
            }
        }
        return out;
    }

    private String serviceBlock(ComposeFile.Service first, String image, String data) {
        String indent = " ".repeat(file.column(first.key()));
        int bodyColumn = first.body().getValue().isEmpty() ? file.column(first.key()) + 2 : file.column(first.body().getValue().get(0).getKeyNode());
        String in = " ".repeat(bodyColumn);
        String item = in + "  ";
        StringBuilder b = new StringBuilder();
        b.append(indent).append(SERVICE).append(":\n");
        b.append(in).append("# sockwarden migrate: one proxy for ").append(String.join(", ", clients.stream().map(Client::service).toList()))
                .append(", in place of ").append(String.join(", ", proxies.stream().map(Proxy::service).toList())).append('\n');
        b.append(in).append("image: ").append(image).append('\n');
        b.append(in).append("command: [\"serve\", \"--listen\", \"none\"]\n");
        b.append(in).append("read_only: true\n");
        b.append(in).append("restart: unless-stopped\n");
        b.append(in).append("volumes:\n");
        b.append(item).append("- ").append(proxies.get(0).socketSource()).append(":/var/run/docker.sock\n");
        b.append(item).append("- ").append(data).append(":/data\n");
        Set<String> nets = new LinkedHashSet<>();
        proxies.forEach(p -> nets.addAll(p.networks()));
        if (!nets.isEmpty() && !nets.equals(Set.of("default"))) {
            b.append(in).append("networks:\n");
            nets.forEach(net -> b.append(item).append("- ").append(net).append('\n'));
        }
        return b.toString();
    }
}
