package org.sockwarden.admin.migrate;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;

/**
 * What one socket proxy allows, as that proxy decides it: an ordered list of rules, the first that
 * matches a request's method and path deciding, as HAProxy's {@code http-request} lines, nginx's
 * regex locations and wollomatic's allowlists do. {@link #decide()} puts every endpoint of the
 * catalog to the rules and reads off, per operation, whether the proxy allowed it.
 *
 * <p>Each endpoint is tried with and without the {@code /vX.Y} prefix, with two sample values in
 * its path parameters. An operation is allowed when any of those forms was; a proxy that allowed
 * only some forms of one operation (GET but not HEAD {@code /_ping}, only the versioned path) is
 * allowed all of them by sockwarden, which decides per operation, and the difference is reported.
 * Forms that differ only by the sample value mean the proxy's rule cuts through an operation: that
 * cannot be mapped, and is refused.
 */
public final class ProxyRules {

    /** One rule: for these methods (all when empty) and a path matching {@code path}, allow or deny. */
    record Rule(Set<String> methods, Pattern path, boolean allow, String source) {
        boolean matches(String method, String requestPath) {
            return (methods.isEmpty() || methods.contains(method)) && path.matcher(requestPath).find();
        }
    }

    /** Per operation, what the proxy did; notes say where sockwarden's per-operation answer is wider. */
    public record Decisions(Map<Operation, Boolean> allowed, List<String> widened, List<String> unmappable) {
        public Set<Operation> allowedOperations() {
            Set<Operation> out = new LinkedHashSet<>();
            allowed.forEach((op, yes) -> {
                if (yes) {
                    out.add(op);
                }
            });
            return out;
        }
    }

    private static final String[] SAMPLES = {"abc123", "My_name.2"};
    private static final String VERSION = "/v1.41";

    private final List<Rule> rules = new ArrayList<>();

    void allow(Set<String> methods, String regex, String source) {
        rules.add(new Rule(methods, compile(regex, source), true, source));
    }

    void deny(Set<String> methods, String regex, String source) {
        rules.add(new Rule(methods, compile(regex, source), false, source));
    }

    private static Pattern compile(String regex, String source) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(source + ": not a regular expression sockwarden can read: " + e.getDescription());
        }
    }

    /** True when the first rule matching the request allows it; no rule: denied. */
    boolean allows(String method, String path) {
        for (Rule r : rules) {
            if (r.matches(method, path)) {
                return r.allow();
            }
        }
        return false;
    }

    public Decisions decide() {
        Map<Operation, Map<String, Boolean>> forms = new EnumMap<>(Operation.class);
        Map<Operation, TreeSet<String>> bySample = new EnumMap<>(Operation.class);
        for (DockerApi.Route route : DockerApi.routes()) {
            for (String prefix : new String[] {VERSION, ""}) {
                Boolean first = null;
                for (String sample : SAMPLES) {
                    String path = prefix + route.template().replaceAll("\\{[^}]*}", sample);
                    boolean yes = allows(route.method(), path);
                    forms.computeIfAbsent(route.operation(), o -> new LinkedHashMap<>()).merge(route.method() + " " + prefix
                            + route.template().replaceAll("\\{([^:}]*)[^}]*}", "{$1}"), yes, Boolean::logicalOr);
                    if (first == null) {
                        first = yes;
                    } else if (first != yes) {
                        bySample.computeIfAbsent(route.operation(), o -> new TreeSet<>()).add(route.method() + " " + prefix
                                + route.template().replaceAll("\\{([^:}]*)[^}]*}", "{$1}"));
                    }
                }
            }
        }
        Map<Operation, Boolean> allowed = new EnumMap<>(Operation.class);
        List<String> widened = new ArrayList<>();
        List<String> unmappable = new ArrayList<>();
        for (Operation op : Operation.values()) {
            Map<String, Boolean> f = forms.getOrDefault(op, Map.of());
            boolean any = f.containsValue(true);
            allowed.put(op, any);
            if (bySample.containsKey(op)) {
                unmappable.add(op.id() + ": the proxy's rules allow " + String.join(", ", bySample.get(op))
                        + " for some names and not for others");
            } else if (any && f.containsValue(false)) {
                List<String> denied = f.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
                widened.add(op.id() + " (also " + String.join(", ", denied) + ")");
            }
        }
        return new Decisions(allowed, widened, unmappable);
    }

    // ---- The proxies, each read from its own source (README, config template, entry point). ----

    /** The flags of tecnativa/docker-socket-proxy's haproxy.cfg, each the path prefix it allows. */
    static final List<String> HAPROXY_SECTIONS = List.of("AUTH", "BUILD", "COMMIT", "CONFIGS", "CONTAINERS", "DISTRIBUTION", "EVENTS",
            "EXEC", "GRPC", "IMAGES", "INFO", "NETWORKS", "NODES", "PING", "PLUGINS", "SECRETS", "SERVICES", "SESSION", "SWARM",
            "SYSTEM", "TASKS", "VERSION", "VOLUMES");
    private static final Set<String> GET_HEAD = Set.of("GET", "HEAD");
    private static final Set<String> NOT_GET = Set.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH");
    private static final String V = "(?i)^(/v[\\d.]+)?";
    private static final String ID = "[a-zA-Z0-9_.-]+";

    /** HAProxy's {@code env(X) -m bool}: the value read as an integer (leading digits; none: 0), true when not 0. */
    static boolean haproxyBool(String value) {
        String v = value == null ? "" : value.strip();
        int i = 0;
        if (i < v.length() && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
            i++;
        }
        int start = i;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        return i > start && Long.parseLong(v.substring(start, Math.min(i, start + 18))) != 0;
    }

    private static String sectionPath(String flag) {
        return flag.equals("PING") ? "_ping" : flag.toLowerCase(Locale.ROOT);
    }

    /** tecnativa/docker-socket-proxy: the POST gate first, then the lifecycle flags, then one prefix per section flag. */
    static ProxyRules tecnativa(Map<String, String> env) {
        ProxyRules r = new ProxyRules();
        if (!haproxyBool(env.get("POST"))) {
            r.deny(NOT_GET, ".*", "POST=0 (only GET and HEAD)");
        }
        lifecycle(r, env, "/containers/" + ID, "ALLOW_RESTARTS", "ALLOW_START", "ALLOW_STOP");
        sections(r, env);
        return r;
    }

    /**
     * linuxserver/docker-socket-proxy: first the denials of archive, changes, export, logs and top
     * unless their ALLOW_ flag is set, then the lifecycle flags (before the POST gate, so they work
     * without POST), the POST gate, and the section flags as in tecnativa's.
     */
    static ProxyRules linuxserver(Map<String, String> env) {
        ProxyRules r = new ProxyRules();
        String container = "(/libpod)?/(containers|pods)/" + ID;
        Map<String, String> guarded = new LinkedHashMap<>();
        guarded.put("archive", "ALLOW_ARCHIVE");
        guarded.put("change", "ALLOW_CHANGES");
        guarded.put("export", "ALLOW_EXPORT");
        guarded.put("logs", "ALLOW_LOGS");
        guarded.put("top", "ALLOW_TOP");
        guarded.forEach((path, flag) -> {
            if (!haproxyBool(env.get(flag))) {
                r.deny(Set.of(), V + container + "/(" + path + ")", flag + "=0");
            }
        });
        lifecycle(r, env, container, "ALLOW_RESTARTS", "ALLOW_START", "ALLOW_STOP", "ALLOW_PAUSE", "ALLOW_UNPAUSE");
        if (!haproxyBool(env.get("POST"))) {
            r.deny(NOT_GET, ".*", "POST=0 (only GET and HEAD)");
        }
        sections(r, env);
        return r;
    }

    private static void lifecycle(ProxyRules r, Map<String, String> env, String container, String... flags) {
        for (String flag : flags) {
            if (!haproxyBool(env.get(flag))) {
                continue;
            }
            String calls = switch (flag) {
                case "ALLOW_RESTARTS" -> "((stop)|(restart)|(kill))";
                case "ALLOW_START" -> "start";
                case "ALLOW_STOP" -> "stop";
                case "ALLOW_PAUSE" -> "pause";
                case "ALLOW_UNPAUSE" -> "unpause";
                default -> throw new IllegalArgumentException(flag);
            };
            r.allow(Set.of(), V + container + "/" + calls, flag + "=1");
        }
    }

    private static void sections(ProxyRules r, Map<String, String> env) {
        for (String flag : HAPROXY_SECTIONS) {
            if (haproxyBool(env.get(flag))) {
                r.allow(Set.of(), V + "/" + sectionPath(flag), flag + "=1");
            }
        }
    }

    /** wollomatic/socket-proxy: per method, paths matching one of that method's regular expressions (anchored at both ends). */
    static ProxyRules wollomatic(Map<String, List<String>> regexesByMethod) {
        ProxyRules r = new ProxyRules();
        regexesByMethod.forEach((method, regexes) -> {
            for (String regex : regexes) {
                if (!regex.isEmpty()) {
                    r.allow(Set.of(method), "^(?:" + regex + ")$", "-allow" + method + "=" + regex);
                }
            }
        });
        return r;
    }

    /** 11notes/socket-proxy: GET and HEAD, except the paths its source blocks (unanchored, any case). */
    static ProxyRules elevenNotes() {
        ProxyRules r = new ProxyRules();
        for (String blocked : List.of("containers/\\S+/attach/ws.*", "containers/\\S+/export.*", "containers/\\S+/archive.*", "secrets.*",
                "configs.*", "swarm/unlockkey.*", "images/get.*")) {
            r.deny(Set.of(), "(?i)" + blocked, "blocked by 11notes/socket-proxy");
        }
        r.allow(GET_HEAD, ".*", "GET and HEAD");
        return r;
    }

    /**
     * mjmccans/docker-socket-proxy: nginx regex locations, in its script's order, one per flag set
     * to exactly "1" (with DELETE added by FLAG_DELETE=1), and with DESCRIPTIVE_ERRORS=1 (its
     * default) a refusing location for every other flag in the same order; the first match decides,
     * and within it only the flag's methods pass (GET includes HEAD in nginx).
     */
    static ProxyRules mjmccans(Map<String, String> env) {
        ProxyRules r = new ProxyRules();
        boolean descriptive = "1".equals(env.getOrDefault("DESCRIPTIVE_ERRORS", "1"));
        for (Map.Entry<String, String[]> e : MJMCCANS.entrySet()) {
            String flag = e.getKey();
            String regex = "^(/v[\\d.]+)?/" + e.getValue()[1];
            if ("1".equals(env.getOrDefault(flag, MJMCCANS_ON.contains(flag) ? "1" : "0"))) {
                Set<String> methods = new LinkedHashSet<>(List.of(e.getValue()[0].split(" ")));
                if (methods.contains("GET")) {
                    methods.add("HEAD");
                }
                if ("1".equals(env.get(flag + "_DELETE"))) {
                    methods.add("DELETE");
                }
                r.allow(methods, regex, flag + "=1");
                Set<String> others = new TreeSet<>(Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"));
                others.removeAll(methods);
                r.deny(others, regex, flag + " (other methods)");
            } else if (descriptive) {
                r.deny(Set.of(), regex, flag + "=0");
            }
        }
        return r;
    }

    private static final Set<String> MJMCCANS_ON = Set.of("EVENTS", "PING", "VERSION");
    /** Its script's table, in its order: flag → {methods, path regex}. NETWORKS_CONNECT appears twice there; the second (disconnect) wins in its original place. */
    static final Map<String, String[]> MJMCCANS = new LinkedHashMap<>();

    static {
        String c = "containers/" + ID + "/";
        Object[][] table = {
            {"AUTH", "POST", "auth"}, {"COMMIT", "GET", "commit"}, {"CONFIGS", "GET", "configs"},
            {"CONTAINERS_ATTACH", "GET POST", c + "attach"}, {"CONTAINERS_KILL", "POST", c + "kill"},
            {"CONTAINERS_PAUSE", "POST", c + "pause"}, {"CONTAINERS_RENAME", "POST", c + "rename"},
            {"CONTAINERS_RESTART", "POST", c + "restart"}, {"CONTAINERS_RESIZE", "POST", c + "resize"},
            {"CONTAINERS_START", "POST", c + "start"}, {"CONTAINERS_STOP", "POST", c + "stop"},
            {"CONTAINERS_UPDATE", "POST", c + "update"}, {"CONTAINERS_UNPAUSE", "POST", c + "unpause"},
            {"CONTAINERS_WAIT", "POST", c + "wait"}, {"CONTAINERS_EXEC", "POST", c + "exec"},
            {"CONTAINERS_CREATE", "POST", "containers/create"}, {"CONTAINERS_PRUNE", "POST", "containers/prune"},
            {"CONTAINERS", "GET", "containers"}, {"DISTRIBUTION", "GET", "distribution"}, {"EVENTS", "GET", "events"},
            {"EXEC", "POST GET", "exec"}, {"IMAGES_BUILD", "GET", "build"}, {"IMAGES_CREATE", "POST", "images/create"},
            {"IMAGES_PRUNE", "POST", "images/prune"}, {"IMAGES", "GET", "images"}, {"INFO", "GET", "info"},
            {"NETWORKS_CONNECT", "POST", "networks/" + ID + "/disconnect"}, {"NETWORKS_CREATE", "POST", "networks/create"},
            {"NETWORKS_PRUNE", "POST", "networks/prune"}, {"NETWORKS", "GET", "networks"}, {"NODES", "GET POST", "nodes"},
            {"PING", "GET", "_ping"}, {"PLUGINS", "GET", "plugins"}, {"SECRETS", "GET", "secrets"},
            {"SERVICES", "GET", "services"}, {"SESSION", "POST", "session"}, {"SWARM", "GET", "swarm"},
            {"SYSTEM", "GET", "system"}, {"TASKS", "GET", "tasks"}, {"VERSION", "GET", "version"},
            {"VOLUMES_CREATE", "POST", "volumes/create"}, {"VOLUMES_PRUNE", "POST", "volumes/prune"}, {"VOLUMES", "GET", "volumes"},
        };
        for (Object[] row : table) {
            MJMCCANS.put((String) row[0], new String[] {(String) row[1], (String) row[2]});
        }
    }
}
