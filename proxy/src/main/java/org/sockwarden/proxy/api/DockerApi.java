package org.sockwarden.proxy.api;

import static org.sockwarden.proxy.api.Operation.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Docker Engine API catalog: every route the engine registers, in the engine's own
 * registration order and template syntax, each mapped to one {@link Operation}, and the matcher
 * that routes a request path exactly as the engine does.
 *
 * <h2>Where the list comes from</h2>
 * <ul>
 *   <li>The endpoints are the union of the Engine API swagger files of every version from 1.24
 *       ({@code docs/api/v1.24.md}, the last version documented as markdown) to the newest
 *       ({@code api/docs/v1.NN.yaml} and {@code api/swagger.yaml} in github.com/moby/moby; 1.56
 *       when this was written). The test resources {@code engine-api/v1.NN.txt} hold them, one
 *       {@code METHOD /path} per line, and {@code engine-api/extra-routes.txt} the routes the
 *       engine registers that no swagger lists (checkpoints, copy, /grpc, /build/cancel,
 *       /debug, OPTIONS, ...).</li>
 *   <li>The templates and their order come from the router sources: {@code initRoutes()} of
 *       each router under {@code daemon/server/router/} (master; {@code api/server/router/} in
 *       20.10 .. 28), routers in the order of {@code buildRouters} in
 *       {@code daemon/command/daemon.go} ({@code initRouter} in {@code cmd/dockerd/daemon.go}
 *       for 20.10). Routes of older engines that master dropped (POST .../copy, the
 *       any-method /debug routes of 20.10..27) sit where those engines registered them.</li>
 * </ul>
 *
 * <h2>How the engine routes (gorilla/mux)</h2>
 * Each route is registered as {@code /v{version:[0-9.]+}<template>} and as the bare template;
 * the caller strips the version prefix before calling {@link #match}. A template compiles to an
 * anchored Go regexp: {@code {x}} is {@code [^/]+}, {@code {x:re}} is {@code re} (here only
 * {@code .*} and {@code .+}: greedy, spanning slashes, never matching {@code '\n'}). The first
 * route, in registration order, whose method and path both match wins; a known path with another
 * method is a 404, and HEAD is not implied by GET. Methods and literals are case-sensitive.
 *
 * <h2>Adding an API version</h2>
 * <ol>
 *   <li>Generate {@code src/test/resources/engine-api/v1.NN.txt} from the new swagger (sorted
 *       {@code METHOD /path} lines, templates exactly as in the swagger).</li>
 *   <li>Diff the engine's router sources and {@code buildRouters} against the table below; put
 *       each new route where the engine registers it (order matters for greedy templates) and
 *       map it to an existing operation or a new {@link Operation} constant.</li>
 *   <li>Run {@code DockerApi*} tests: the catalog test fails for any endpoint nothing routes,
 *       the property test checks the fast matcher against a regexp reference.</li>
 * </ol>
 */
public final class DockerApi {

    /** One engine route: method, template in the engine's syntax, and the operation it performs. */
    public record Route(String method, String template, Operation operation) {
        public Route {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(operation, "operation");
        }
    }

    private static final String GET = "GET";
    private static final String HEAD = "HEAD";
    private static final String POST = "POST";
    private static final String PUT = "PUT";
    private static final String DELETE = "DELETE";
    private static final String OPTIONS = "OPTIONS";

    /** Methods in {@link #methodIndex} order. */
    private static final String[] METHODS = {GET, HEAD, POST, PUT, DELETE, OPTIONS};

    /** Debug routes: GET on master and 28+, any method (bare path only) on 20.10..27. */
    private static final String[] DEBUG_TEMPLATES = {
        "/debug/vars",
        "/debug/pprof/",
        "/debug/pprof/cmdline",
        "/debug/pprof/profile",
        "/debug/pprof/symbol",
        "/debug/pprof/trace",
        "/debug/pprof/{name}",
    };

    private static final List<Route> ROUTES = buildTable();

    private static List<Route> buildTable() {
        List<Route> t = new ArrayList<>();

        // --- checkpoint router (experimental; listed before the container router "or the DELETE gets masked")
        route(t, GET, "/containers/{name:.*}/checkpoints", CONTAINERS_CHECKPOINT_LIST);
        route(t, POST, "/containers/{name:.*}/checkpoints", CONTAINERS_CHECKPOINT_CREATE);
        route(t, DELETE, "/containers/{name}/checkpoints/{checkpoint}", CONTAINERS_CHECKPOINT_DELETE);

        // --- container router
        route(t, HEAD, "/containers/{name:.*}/archive", CONTAINERS_ARCHIVE);
        route(t, GET, "/containers/json", CONTAINERS_LIST);
        route(t, GET, "/containers/{name:.*}/export", CONTAINERS_EXPORT);
        route(t, GET, "/containers/{name:.*}/changes", CONTAINERS_CHANGES);
        route(t, GET, "/containers/{name:.*}/json", CONTAINERS_INSPECT);
        route(t, GET, "/containers/{name:.*}/top", CONTAINERS_TOP);
        route(t, GET, "/containers/{name:.*}/logs", CONTAINERS_LOGS);
        route(t, GET, "/containers/{name:.*}/stats", CONTAINERS_STATS);
        route(t, GET, "/containers/{name:.*}/attach/ws", CONTAINERS_ATTACH_WS);
        route(t, GET, "/exec/{id:.*}/json", EXEC_INSPECT);
        route(t, GET, "/containers/{name:.*}/archive", CONTAINERS_ARCHIVE);
        route(t, POST, "/containers/create", CONTAINERS_CREATE);
        route(t, POST, "/containers/{name:.*}/kill", CONTAINERS_KILL);
        route(t, POST, "/containers/{name:.*}/pause", CONTAINERS_PAUSE);
        route(t, POST, "/containers/{name:.*}/unpause", CONTAINERS_UNPAUSE);
        route(t, POST, "/containers/{name:.*}/restart", CONTAINERS_RESTART);
        route(t, POST, "/containers/{name:.*}/start", CONTAINERS_START);
        route(t, POST, "/containers/{name:.*}/stop", CONTAINERS_STOP);
        route(t, POST, "/containers/{name:.*}/wait", CONTAINERS_WAIT);
        route(t, POST, "/containers/{name:.*}/resize", CONTAINERS_RESIZE);
        route(t, POST, "/containers/{name:.*}/attach", CONTAINERS_ATTACH);
        route(t, POST, "/containers/{name:.*}/copy", CONTAINERS_COPY); // engines up to 25.0 only
        route(t, POST, "/containers/{name:.*}/exec", CONTAINERS_EXEC);
        route(t, POST, "/exec/{name:.*}/start", EXEC_START);
        route(t, POST, "/exec/{name:.*}/resize", EXEC_RESIZE);
        route(t, POST, "/containers/{name:.*}/rename", CONTAINERS_RENAME);
        route(t, POST, "/containers/{name:.*}/update", CONTAINERS_UPDATE);
        route(t, POST, "/containers/prune", CONTAINERS_PRUNE);
        route(t, POST, "/commit", IMAGES_COMMIT);
        route(t, PUT, "/containers/{name:.*}/archive", CONTAINERS_ARCHIVE_PUT);
        route(t, DELETE, "/containers/{name:.*}", CONTAINERS_DELETE);

        // --- image router
        route(t, GET, "/images/json", IMAGES_LIST);
        route(t, GET, "/images/search", IMAGES_SEARCH);
        route(t, GET, "/images/get", IMAGES_EXPORT);
        route(t, GET, "/images/{name:.*}/get", IMAGES_EXPORT);
        route(t, GET, "/images/{name:.*}/history", IMAGES_HISTORY);
        route(t, GET, "/images/{name:.*}/json", IMAGES_INSPECT);
        route(t, GET, "/images/{name:.*}/attestations", IMAGES_ATTESTATIONS); // API 1.55+
        route(t, POST, "/images/load", IMAGES_LOAD);
        route(t, POST, "/images/create", IMAGES_CREATE);
        route(t, POST, "/images/{name:.*}/push", IMAGES_PUSH);
        route(t, POST, "/images/{name:.*}/tag", IMAGES_TAG);
        route(t, POST, "/images/prune", IMAGES_PRUNE);
        route(t, DELETE, "/images/{name:.*}", IMAGES_DELETE);

        // --- system router
        route(t, OPTIONS, "/{anyroute:.*}", SYSTEM_OPTIONS);
        route(t, GET, "/_ping", SYSTEM_PING);
        route(t, HEAD, "/_ping", SYSTEM_PING);
        route(t, GET, "/events", SYSTEM_EVENTS);
        route(t, GET, "/info", SYSTEM_INFO);
        route(t, GET, "/version", SYSTEM_VERSION);
        route(t, GET, "/system/df", SYSTEM_DF);
        route(t, POST, "/auth", SYSTEM_AUTH);

        // --- volume router
        route(t, GET, "/volumes", VOLUMES_LIST);
        route(t, GET, "/volumes/{name:.*}", VOLUMES_INSPECT);
        route(t, POST, "/volumes/create", VOLUMES_CREATE);
        route(t, POST, "/volumes/prune", VOLUMES_PRUNE);
        route(t, PUT, "/volumes/{name:.*}", VOLUMES_UPDATE); // API 1.42+
        route(t, DELETE, "/volumes/{name:.*}", VOLUMES_DELETE);

        // --- build router
        route(t, POST, "/build", IMAGES_BUILD);
        route(t, POST, "/build/prune", BUILD_PRUNE);
        route(t, POST, "/build/cancel", BUILD_CANCEL);

        // --- session router
        route(t, POST, "/session", SESSION_START);

        // --- swarm router
        route(t, POST, "/swarm/init", SWARM_INIT);
        route(t, POST, "/swarm/join", SWARM_JOIN);
        route(t, POST, "/swarm/leave", SWARM_LEAVE);
        route(t, GET, "/swarm", SWARM_INSPECT);
        route(t, GET, "/swarm/unlockkey", SWARM_UNLOCKKEY);
        route(t, POST, "/swarm/update", SWARM_UPDATE);
        route(t, POST, "/swarm/unlock", SWARM_UNLOCK);
        route(t, GET, "/services", SERVICES_LIST);
        route(t, GET, "/services/{id}", SERVICES_INSPECT);
        route(t, POST, "/services/create", SERVICES_CREATE);
        route(t, POST, "/services/{id}/update", SERVICES_UPDATE);
        route(t, DELETE, "/services/{id}", SERVICES_DELETE);
        route(t, GET, "/services/{id}/logs", SERVICES_LOGS);
        route(t, GET, "/nodes", NODES_LIST);
        route(t, GET, "/nodes/{id}", NODES_INSPECT);
        route(t, DELETE, "/nodes/{id}", NODES_DELETE);
        route(t, POST, "/nodes/{id}/update", NODES_UPDATE);
        route(t, GET, "/tasks", TASKS_LIST);
        route(t, GET, "/tasks/{id}", TASKS_INSPECT);
        route(t, GET, "/tasks/{id}/logs", TASKS_LOGS);
        route(t, GET, "/secrets", SECRETS_LIST);
        route(t, POST, "/secrets/create", SECRETS_CREATE);
        route(t, DELETE, "/secrets/{id}", SECRETS_DELETE);
        route(t, GET, "/secrets/{id}", SECRETS_INSPECT);
        route(t, POST, "/secrets/{id}/update", SECRETS_UPDATE);
        route(t, GET, "/configs", CONFIGS_LIST);
        route(t, POST, "/configs/create", CONFIGS_CREATE);
        route(t, DELETE, "/configs/{id}", CONFIGS_DELETE);
        route(t, GET, "/configs/{id}", CONFIGS_INSPECT);
        route(t, POST, "/configs/{id}/update", CONFIGS_UPDATE);

        // --- plugin router
        route(t, GET, "/plugins", PLUGINS_LIST);
        route(t, GET, "/plugins/{name:.*}/json", PLUGINS_INSPECT);
        route(t, GET, "/plugins/privileges", PLUGINS_PRIVILEGES);
        route(t, DELETE, "/plugins/{name:.*}", PLUGINS_DELETE);
        route(t, POST, "/plugins/{name:.*}/enable", PLUGINS_ENABLE);
        route(t, POST, "/plugins/{name:.*}/disable", PLUGINS_DISABLE);
        route(t, POST, "/plugins/pull", PLUGINS_PULL);
        route(t, POST, "/plugins/{name:.*}/push", PLUGINS_PUSH);
        route(t, POST, "/plugins/{name:.*}/upgrade", PLUGINS_UPGRADE);
        route(t, POST, "/plugins/{name:.*}/set", PLUGINS_SET);
        route(t, POST, "/plugins/create", PLUGINS_CREATE);

        // --- distribution router
        route(t, GET, "/distribution/{name:.*}/json", DISTRIBUTION_INSPECT);

        // --- network router
        route(t, GET, "/networks", NETWORKS_LIST);
        route(t, GET, "/networks/", NETWORKS_LIST);
        route(t, GET, "/networks/{id:.+}", NETWORKS_INSPECT);
        route(t, POST, "/networks/create", NETWORKS_CREATE);
        route(t, POST, "/networks/{id:.*}/connect", NETWORKS_CONNECT);
        route(t, POST, "/networks/{id:.*}/disconnect", NETWORKS_DISCONNECT);
        route(t, POST, "/networks/prune", NETWORKS_PRUNE);
        route(t, DELETE, "/networks/{id:.*}", NETWORKS_DELETE);

        // --- debug router (GET on 28+; 20.10..27 registered it last, for any method)
        for (String template : DEBUG_TEMPLATES) {
            for (String method : new String[] {GET, HEAD, POST, PUT, DELETE}) {
                route(t, method, template, SYSTEM_DEBUG);
            }
        }

        // --- grpc router (BuildKit)
        route(t, POST, "/grpc", GRPC_CONNECT);

        return List.copyOf(t);
    }

    private static void route(List<Route> table, String method, String template, Operation operation) {
        table.add(new Route(method, template, operation));
    }

    // ------------------------------------------------------------------------------------------
    // Compiled matcher

    private static final byte LIT = 0;  // literal text
    private static final byte SEG = 1;  // {x}: [^/]+
    private static final byte ANY = 2;  // {x:.*}
    private static final byte SOME = 3; // {x:.+}

    /** One route compiled into tokens; at most one greedy token, every variable a whole segment. */
    private static final class Compiled {
        final Operation operation;
        final String template;
        final byte[] kinds;
        final String[] literals;
        final int greedy;
        final int minLength;

        Compiled(Route route) {
            String t = route.template();
            if (t.isEmpty() || t.charAt(0) != '/') {
                throw new IllegalArgumentException("template must start with '/': " + t);
            }
            List<Byte> k = new ArrayList<>();
            List<String> l = new ArrayList<>();
            int i = 0;
            int g = -1;
            int min = 0;
            while (i < t.length()) {
                int open = t.indexOf('{', i);
                if (open < 0) {
                    open = t.length();
                }
                if (open > i) {
                    String lit = t.substring(i, open);
                    if (lit.indexOf('}') >= 0) {
                        throw new IllegalArgumentException("unbalanced '}' in " + t);
                    }
                    k.add(LIT);
                    l.add(lit);
                    min += lit.length();
                    i = open;
                    continue;
                }
                int close = t.indexOf('}', open);
                if (close < 0 || t.indexOf('{', open + 1) >= 0 && t.indexOf('{', open + 1) < close) {
                    throw new IllegalArgumentException("bad variable in " + t);
                }
                String body = t.substring(open + 1, close);
                int colon = body.indexOf(':');
                String pattern = colon < 0 ? "[^/]+" : body.substring(colon + 1);
                if ((colon < 0 ? body : body.substring(0, colon)).isEmpty()) {
                    throw new IllegalArgumentException("unnamed variable in " + t);
                }
                byte kind = switch (pattern) {
                    case "[^/]+" -> SEG;
                    case ".*" -> ANY;
                    case ".+" -> SOME;
                    default -> throw new IllegalArgumentException("unsupported pattern " + pattern + " in " + t);
                };
                // a variable must be a whole segment: after '/', before '/' or the end
                if (t.charAt(open - 1) != '/' || close + 1 < t.length() && t.charAt(close + 1) != '/') {
                    throw new IllegalArgumentException("variable is not a whole segment in " + t);
                }
                if (kind != SEG) {
                    if (g >= 0) {
                        throw new IllegalArgumentException("more than one greedy variable in " + t);
                    }
                    g = k.size();
                }
                if (kind != ANY) {
                    min += 1;
                }
                k.add(kind);
                l.add(null);
                i = close + 1;
            }
            this.operation = route.operation();
            this.template = t;
            this.kinds = new byte[k.size()];
            for (int j = 0; j < kinds.length; j++) {
                kinds[j] = k.get(j);
            }
            this.literals = l.toArray(new String[0]);
            this.greedy = g;
            this.minLength = min;
        }

        /** The values of the variables of a path this route {@link #matches}, taken as {@link #matches} takes them. */
        List<String> variables(String p) {
            List<String> head = new ArrayList<>();
            int pos = 0;
            int stop = greedy < 0 ? kinds.length : greedy;
            for (int i = 0; i < stop; i++) {
                if (kinds[i] == LIT) {
                    pos += literals[i].length();
                } else {
                    int e = p.indexOf('/', pos);
                    e = e < 0 ? p.length() : e;
                    head.add(p.substring(pos, e));
                    pos = e;
                }
            }
            if (greedy < 0) {
                return head;
            }
            List<String> tail = new ArrayList<>();
            int end = p.length();
            for (int i = kinds.length - 1; i > greedy; i--) {
                if (kinds[i] == LIT) {
                    end -= literals[i].length();
                } else {
                    int s = p.lastIndexOf('/', end - 1) + 1;
                    tail.add(0, p.substring(s, end));
                    end = s;
                }
            }
            head.add(p.substring(pos, end));
            head.addAll(tail);
            return head;
        }

        /** First-segment bucket key, or null when the first segment holds a variable. */
        String firstSegment() {
            if (kinds[0] != LIT) {
                return null;
            }
            String lit = literals[0];
            int slash = lit.indexOf('/', 1);
            if (slash >= 0) {
                return lit.substring(1, slash);
            }
            return kinds.length == 1 ? lit.substring(1) : null;
        }

        boolean matches(String p, int len, boolean newline) {
            if (len < minLength) {
                return false;
            }
            int pos = 0;
            int stop = greedy < 0 ? kinds.length : greedy;
            for (int i = 0; i < stop; i++) {
                if (kinds[i] == LIT) {
                    String lit = literals[i];
                    if (!p.startsWith(lit, pos)) {
                        return false;
                    }
                    pos += lit.length();
                } else { // SEG, followed by '/' or the end: takes the whole segment
                    int e = pos;
                    while (e < len && p.charAt(e) != '/') {
                        e++;
                    }
                    if (e == pos) {
                        return false;
                    }
                    pos = e;
                }
            }
            if (greedy < 0) {
                return pos == len;
            }
            int end = len;
            for (int i = kinds.length - 1; i > greedy; i--) {
                if (kinds[i] == LIT) {
                    String lit = literals[i];
                    int s = end - lit.length();
                    if (s < pos || !p.startsWith(lit, s)) {
                        return false;
                    }
                    end = s;
                } else { // SEG, preceded by '/': takes the whole segment
                    int s = end;
                    while (s > pos && p.charAt(s - 1) != '/') {
                        s--;
                    }
                    if (s == end) {
                        return false;
                    }
                    end = s;
                }
            }
            if (end < pos || kinds[greedy] == SOME && end == pos) {
                return false;
            }
            if (newline) { // Go's '.' never matches '\n'
                for (int i = pos; i < end; i++) {
                    if (p.charAt(i) == '\n') {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /** Per-method routes bucketed by first path segment (open addressing), order preserved. */
    private static final class Table {
        final String[] keys;
        final Compiled[][] buckets;
        final Compiled[] other; // routes whose first segment is a variable
        final int mask;

        Table(List<Compiled> routes) {
            Set<String> seen = new HashSet<>();
            List<String> distinct = new ArrayList<>();
            List<Compiled> wild = new ArrayList<>();
            for (Compiled c : routes) {
                String key = c.firstSegment();
                if (key == null) {
                    wild.add(c);
                } else if (seen.add(key)) {
                    distinct.add(key);
                }
            }
            int size = 16;
            while (size < distinct.size() * 4) {
                size <<= 1;
            }
            this.mask = size - 1;
            this.keys = new String[size];
            this.buckets = new Compiled[size][];
            this.other = wild.toArray(new Compiled[0]);
            for (String key : distinct) {
                List<Compiled> bucket = new ArrayList<>();
                for (Compiled c : routes) {
                    String k = c.firstSegment();
                    if (k == null || k.equals(key)) {
                        bucket.add(c);
                    }
                }
                int slot = spread(key.hashCode()) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = key;
                buckets[slot] = bucket.toArray(new Compiled[0]);
            }
        }

        Compiled[] lookup(String path, int segEnd) {
            int segLen = segEnd - 1;
            int h = 0;
            for (int i = 1; i < segEnd; i++) {
                h = 31 * h + path.charAt(i);
            }
            int slot = spread(h) & mask;
            String key;
            while ((key = keys[slot]) != null) {
                if (key.length() == segLen && path.startsWith(key, 1)) {
                    return buckets[slot];
                }
                slot = (slot + 1) & mask;
            }
            return other;
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }
    }

    private static final Table[] TABLES = compile();

    private static Table[] compile() {
        Table[] tables = new Table[METHODS.length];
        for (int m = 0; m < METHODS.length; m++) {
            List<Compiled> forMethod = new ArrayList<>();
            for (Route r : ROUTES) {
                int idx = methodIndex(r.method());
                if (idx < 0) {
                    throw new IllegalStateException("method not in METHODS: " + r);
                }
                if (idx == m) {
                    forMethod.add(new Compiled(r));
                }
            }
            tables[m] = forMethod.isEmpty() ? null : new Table(forMethod);
        }
        return tables;
    }

    private static int methodIndex(String method) {
        return switch (method) {
            case GET -> 0;
            case HEAD -> 1;
            case POST -> 2;
            case PUT -> 3;
            case DELETE -> 4;
            case OPTIONS -> 5;
            default -> -1;
        };
    }

    private DockerApi() {
    }

    /**
     * The operation the engine would route this request to, or {@code null} when it routes
     * nothing (a 404). Allocation-free.
     *
     * @param method the request method, case-sensitive as at the engine
     * @param path   percent-decoded, clean, starting with '/', {@code /vX.Y} prefix removed
     */
    public static Operation match(String method, String path) {
        Compiled c = find(method, path);
        return c == null ? null : c.operation;
    }

    /**
     * A routed request's operation, the template of the route it took, and the values of that template's
     * variables in order, as the engine reads them (from the percent-decoded path).
     */
    public record Binding(Operation operation, String template, List<String> variables) {
        public Binding {
            variables = List.copyOf(variables);
        }
    }

    /**
     * The route the engine would take for this request and the values of its variables ({@code /containers/ab/json}:
     * {@code ["ab"]}), or {@code null} when it routes nothing. Same arguments as {@link #match}.
     */
    public static Binding bind(String method, String path) {
        Compiled c = find(method, path);
        return c == null ? null : new Binding(c.operation, c.template, c.variables(path));
    }

    /**
     * {@code template} with its variables replaced, in order, by {@code values}, written as given: a value
     * that holds anything but unreserved characters must be percent-encoded by the caller.
     */
    public static String expand(String template, String... values) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int next = 0;
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            out.append(template, i, open);
            if (next == values.length) {
                throw new IllegalArgumentException("too few values for " + template);
            }
            out.append(values[next++]);
            i = template.indexOf('}', open) + 1;
        }
        if (next != values.length) {
            throw new IllegalArgumentException("too many values for " + template);
        }
        return out.toString();
    }

    private static Compiled find(String method, String path) {
        if (method == null || path == null) {
            return null;
        }
        int m = methodIndex(method);
        if (m < 0) {
            return null;
        }
        Table table = TABLES[m];
        int len = path.length();
        if (table == null || len == 0 || path.charAt(0) != '/') {
            return null;
        }
        int segEnd = path.indexOf('/', 1);
        if (segEnd < 0) {
            segEnd = len;
        }
        boolean newline = path.indexOf('\n') >= 0;
        for (Compiled c : table.lookup(path, segEnd)) {
            if (c.matches(path, len, newline)) {
                return c;
            }
        }
        return null;
    }

    /** True for the methods the catalog routes: GET, HEAD, POST, PUT, DELETE, OPTIONS. */
    public static boolean knownMethod(String method) {
        if (method == null) {
            return false;
        }
        int m = methodIndex(method);
        return m >= 0 && TABLES[m] != null;
    }

    /** Every route, immutable, in the engine's registration order. */
    public static List<Route> routes() {
        return ROUTES;
    }
}
