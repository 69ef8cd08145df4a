package org.sockwarden.proxy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Checks the fast matcher against an independent reference that does what gorilla/mux does:
 * every template compiled to an anchored regexp, first route (in order) whose method and
 * pattern match wins.
 */
class DockerApiPropertyTest {

    /** Gorilla/mux semantics with Java regexps. */
    static final class Reference {
        private record Compiled(String method, Pattern pattern, Operation operation) {}

        private final List<Compiled> routes = new ArrayList<>();

        Reference(List<DockerApi.Route> table) {
            for (DockerApi.Route r : table) {
                routes.add(new Compiled(r.method(), compile(r.template()), r.operation()));
            }
        }

        /**
         * newRouteRegexp: "^" + QuoteMeta(raw) + "(?P<v>" + (pattern or "[^/]+") + ")" ... + "$".
         * Go's '.' is any character but '\n' (Java: UNIX_LINES), Go's '$' without (?m) is the end
         * of the text only (Java: \z; Java's '$' would also match before a final '\n').
         */
        static Pattern compile(String template) {
            StringBuilder re = new StringBuilder("^");
            int i = 0;
            while (i < template.length()) {
                int open = template.indexOf('{', i);
                if (open < 0) {
                    re.append(Pattern.quote(template.substring(i)));
                    break;
                }
                if (open > i) {
                    re.append(Pattern.quote(template.substring(i, open)));
                }
                int close = template.indexOf('}', open);
                String body = template.substring(open + 1, close);
                int colon = body.indexOf(':');
                re.append("(?:").append(colon < 0 ? "[^/]+" : body.substring(colon + 1)).append(')');
                i = close + 1;
            }
            re.append("\\z");
            return Pattern.compile(re.toString(), Pattern.UNIX_LINES);
        }

        Operation match(String method, String path) {
            for (Compiled c : routes) {
                if (c.method().equals(method) && c.pattern().matcher(path).matches()) {
                    return c.operation();
                }
            }
            return null;
        }
    }

    private static final String[] METHODS = {
        "GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE", "DELETE", "OPTIONS",
        "PATCH", "get", "Post", "TRACE", "CONNECT", "",
    };

    private static final String[] SPECIAL = {
        "", "", ".", "..", ":", "@", "a:b", "tag:1.0", "x@sha256:0123abcd", "ghcr.io", "localhost:5000",
        "\n", "a\nb", "json", "get", "history", "start", "ws", "attach", "create", "prune", "v1.41", "%2F",
        "Containers", "JSON", "_ping", "checkpoints", "debug", "pprof", "sha256:ab", " ", "é", "\u2028", "\r",
        "privileges", "unlockkey", "logs",
    };

    private final Reference reference = new Reference(DockerApi.routes());
    private final String[] literals = catalogSegments();

    private static String[] catalogSegments() {
        Set<String> s = new LinkedHashSet<>();
        for (DockerApi.Route r : DockerApi.routes()) {
            for (String seg : r.template().split("/")) {
                if (!seg.isEmpty() && !seg.contains("{")) {
                    s.add(seg);
                }
            }
        }
        return s.toArray(new String[0]);
    }

    private String segment(Random rnd) {
        int k = rnd.nextInt(10);
        if (k < 5) {
            return literals[rnd.nextInt(literals.length)];
        }
        if (k < 8) {
            return SPECIAL[rnd.nextInt(SPECIAL.length)];
        }
        int n = 1 + rnd.nextInt(8);
        StringBuilder sb = new StringBuilder();
        String alphabet = "abcxyz0123456789-_.:@";
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private String randomPath(Random rnd) {
        int n = rnd.nextInt(7);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append('/').append(segment(rnd));
        }
        if (n == 0 || rnd.nextInt(8) == 0) {
            sb.append('/');
        }
        return sb.toString();
    }

    /** A catalog template with its variables replaced by 0..3 random segments. */
    private String templatePath(Random rnd) {
        List<DockerApi.Route> routes = DockerApi.routes();
        String t = routes.get(rnd.nextInt(routes.size())).template();
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < t.length()) {
            int open = t.indexOf('{', i);
            if (open < 0) {
                sb.append(t, i, t.length());
                break;
            }
            sb.append(t, i, open);
            int parts = rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 1;
            for (int p = 0; p < parts; p++) {
                if (p > 0) {
                    sb.append('/');
                }
                sb.append(segment(rnd));
            }
            i = t.indexOf('}', open) + 1;
        }
        String path = sb.toString();
        switch (rnd.nextInt(12)) {
            case 0:
                return path + "/";
            case 1:
                return path + "/" + segment(rnd);
            case 2:
                return path.substring(0, rnd.nextInt(path.length() + 1));
            case 3:
                return path.replaceFirst("/", "//");
            default:
                return path;
        }
    }

    private int check(long seed, int cases) {
        Random rnd = new Random(seed);
        int routed = 0;
        for (int i = 0; i < cases; i++) {
            String method = METHODS[rnd.nextInt(METHODS.length)];
            String path = rnd.nextBoolean() ? templatePath(rnd) : randomPath(rnd);
            Operation expected = reference.match(method, path);
            Operation actual = DockerApi.match(method, path);
            if (actual != expected) {
                throw new AssertionError("seed " + seed + " case " + i + ": " + method + " "
                        + path.replace("\n", "\\n") + " -> " + actual + ", reference " + expected);
            }
            if (!DockerApi.knownMethod(method)) {
                assertThat(actual).as("%s %s", method, path).isNull();
            }
            if (actual != null) {
                routed++;
            }
        }
        return routed;
    }

    @Test
    void matchEqualsReferenceOnFixedSeed() {
        int routed = check(0x50C3_3A7DL, 120_000);
        // the generator must exercise both outcomes a lot
        assertThat(routed).isBetween(20_000, 100_000);
    }

    @Test
    void matchEqualsReferenceOnRandomSeeds() {
        for (int i = 0; i < 4; i++) {
            check(ThreadLocalRandom.current().nextLong(), 20_000);
        }
    }

    @Test
    void everyRouteMatchesItsOwnFilledTemplateLikeTheReference() {
        String[] fillers = {"x", "a/b", "", "ghcr.io/a/b:tag", "json", "a\nb"};
        for (DockerApi.Route r : DockerApi.routes()) {
            for (String f : fillers) {
                String path = r.template().replaceAll("\\{[^}]+}", java.util.regex.Matcher.quoteReplacement(f));
                for (String m : new String[] {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}) {
                    assertThat(DockerApi.match(m, path)).as("%s %s", m, path).isEqualTo(reference.match(m, path));
                }
            }
        }
    }

    @Test
    void methodsTheTableLacksNeverMatch() {
        Set<String> tableMethods = new LinkedHashSet<>();
        for (DockerApi.Route r : DockerApi.routes()) {
            tableMethods.add(r.method());
        }
        for (String m : tableMethods) {
            assertThat(DockerApi.knownMethod(m)).isTrue();
        }
        for (String m : new String[] {"PATCH", "TRACE", "CONNECT", "get", "head", "Options", "", "GET ", "PROPFIND"}) {
            assertThat(tableMethods).doesNotContain(m);
            assertThat(DockerApi.knownMethod(m)).isFalse();
            for (DockerApi.Route r : DockerApi.routes()) {
                String path = r.template().replaceAll("\\{[^}]+}", "x");
                assertThat(DockerApi.match(m, path)).as("%s %s", m, path).isNull();
            }
        }
    }

    @Test
    void matchDoesNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        String[] methods = {"GET", "POST", "DELETE", "HEAD", "GET", "PUT", "OPTIONS", "PATCH"};
        String[] paths = {
            "/containers/json", "/containers/3f4e8b2a9c1d/start", "/images/ghcr.io/a/b:tag", "/_ping",
            "/images/a/history/json", "/volumes/data", "/containers/a\nb/json", "/nope",
        };
        long tid = Thread.currentThread().getId();
        int sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up
            Operation op = DockerApi.match(methods[i & 7], paths[(i >> 3) & 7]);
            sink += op == null ? 0 : op.ordinal();
        }
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            Operation op = DockerApi.match(methods[i & 7], paths[(i >> 3) & 7]);
            sink += op == null ? 0 : op.ordinal();
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isNotZero();
        assertThat(allocated).as("bytes allocated by 1M match calls").isLessThan(64 * 1024);
    }
}
