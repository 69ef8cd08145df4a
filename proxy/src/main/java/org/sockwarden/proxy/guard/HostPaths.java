package org.sockwarden.proxy.guard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Host paths as binds name them, and the ones no bind may reach.
 *
 * <h2>What is never bound</h2>
 * The engine's socket, its directory and sockwarden's data directory, whatever a client's
 * {@code bind-path}s say: a bind source is refused when it is one of them, lies below one, or holds
 * one (a bind of {@code /} or {@code /var} holds {@code /var/run/docker.sock}). {@code /var/run} and
 * {@code /run} count as one directory (a symlink on every current distribution).
 *
 * <h2>Two views of the host</h2>
 * <ul>
 *   <li>{@link #visible}: the proxy sees the host's file system at the host's paths (it runs on the
 *       host, or in a container that has the relevant paths mounted at the same places). Symlinks are
 *       resolved as they are at request time: the longest prefix of a path that exists is replaced by
 *       its real path ({@link Path#toRealPath}), so {@code /srv/ci/link} → {@code /etc} is judged as
 *       {@code /etc}; a dangling symlink is refused. Components the proxy may not traverse are left
 *       as written.</li>
 *   <li>{@link #hidden}: the proxy cannot see the host's paths (a container without them). Paths are
 *       judged as written, after lexical cleaning; the {@code /var/run} = {@code /run} rule still holds.
 *       The allowed paths must then hold no symlinks that lead out of them.</li>
 * </ul>
 * Either way the judgement is made when the container is created; binds are made when it starts.
 * A client that can write into an allowed path (through another container that binds it) can put a
 * symlink there in between, so allowed paths should be ones clients cannot write symlinks into, or
 * be bound read-only by them.
 */
public final class HostPaths {

    private final boolean visible;
    /** The protected directories, each in every form it may be reached by: as configured, /run-aliased, resolved. */
    private final List<String> protectedDirs;

    private HostPaths(boolean visible, Path engineSocket, Path dataDirectory) {
        this.visible = visible;
        Set<String> dirs = new LinkedHashSet<>();
        List<Path> guarded = new ArrayList<>(List.of(engineSocket.toAbsolutePath().getParent()));
        if (dataDirectory != null) {
            guarded.add(dataDirectory.toAbsolutePath());
        }
        for (Path p : guarded) {
            String clean = clean(p.toString());
            dirs.add(clean);
            dirs.add(runAlias(clean));
            if (visible) {
                String real = resolve(clean);
                if (real != null) {
                    dirs.add(real);
                    dirs.add(runAlias(real));
                }
            }
        }
        this.protectedDirs = List.copyOf(dirs);
    }

    /** The proxy sees the host's paths: symlinks are resolved. {@code dataDirectory} may be null: a proxy without one. */
    public static HostPaths visible(Path engineSocket, Path dataDirectory) {
        return new HostPaths(true, engineSocket, dataDirectory);
    }

    /** The proxy cannot see the host's paths: they are judged as written. {@code dataDirectory} may be null. */
    public static HostPaths hidden(Path engineSocket, Path dataDirectory) {
        return new HostPaths(false, engineSocket, dataDirectory);
    }

    /** The directories no bind may be, hold or lie below, in every form the guard compares. */
    public List<String> protectedDirectories() {
        return protectedDirs;
    }

    /** Null when {@code path} may be an allowed bind path: absolute and clean (no {@code .}, {@code ..}, {@code //}, trailing /). */
    static String problemWithAllowedPath(String path) {
        if (!path.startsWith("/")) {
            return "not an absolute path";
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return "a .. segment";
            }
        }
        if (!path.equals(clean(path))) {
            return "not a clean path (write " + clean(path) + ")";
        }
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) < 0x20 || path.charAt(i) == 0x7F) {
                return "a control character";
            }
        }
        return null;
    }

    /**
     * Judges the source of a bind (or of a local volume with {@code o=bind}) against the protected
     * directories and the client's allowed paths; throws a {@link Refusal} when it may not be bound.
     *
     * @param field  the source's field, as the engine names it, for the message
     * @param source the source as the request writes it
     */
    void judgeBind(String field, String source, Guardrails rules) {
        if (!source.startsWith("/")) {
            throw Refusal.malformed(field, "a bind source must be an absolute path, not " + Texts.quote(source));
        }
        for (String segment : source.split("/", -1)) {
            if (segment.equals("..")) {
                throw Refusal.forbidden(field, "bind source " + Texts.quote(source) + " has a .. segment", null);
            }
        }
        String lexical = clean(source);
        String real = visible ? resolve(lexical) : lexical;
        if (real == null) {
            throw Refusal.forbidden(field, "bind source " + Texts.quote(source) + " goes through a dangling symlink", null);
        }
        for (String candidate : new String[] {lexical, runAlias(lexical), real, runAlias(real)}) {
            for (String dir : protectedDirs) {
                if (related(candidate, dir)) {
                    throw Refusal.forbidden(field, "bind source " + Texts.quote(source) + (candidate.equals(lexical) ? "" : " (" + candidate + ")")
                            + " reaches " + dir + ", which holds the Docker socket or sockwarden's data: never allowed", null);
                }
            }
        }
        for (String allowed : rules.bindPaths()) {
            String allowedReal = visible ? resolve(allowed) : allowed;
            if (allowedReal != null && within(real, allowedReal)) {
                return;
            }
        }
        throw Refusal.forbidden(field, "bind source " + Texts.quote(source) + (real.equals(lexical) ? "" : " (" + real + ")")
                + " is outside the client's bind paths" + (rules.bindPaths().isEmpty() ? " (it has none)" : " " + rules.bindPaths()),
                Guardrails.bindPathItem(real));
    }

    /** True when one path is the other, or lies below it. */
    private static boolean related(String a, String b) {
        return within(a, b) || within(b, a);
    }

    /** {@code path} is {@code dir} or below it (both clean and absolute). */
    static boolean within(String path, String dir) {
        if (dir.equals("/")) {
            return true;
        }
        return path.equals(dir) || path.startsWith(dir) && path.charAt(dir.length()) == '/';
    }

    private static String runAlias(String path) {
        if (within(path, "/var/run")) {
            return "/run" + path.substring("/var/run".length());
        }
        if (within(path, "/run")) {
            return "/var/run" + path.substring("/run".length());
        }
        return path;
    }

    /** Go's path.Clean without {@code ..} handling (sources with {@code ..} are refused first): drops {@code .}, {@code //}, trailing /. */
    static String clean(String path) {
        List<String> kept = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (!segment.isEmpty() && !segment.equals(".")) {
                kept.add(segment);
            }
        }
        return "/" + String.join("/", kept);
    }

    /**
     * The real path: the longest prefix that resolves, with the rest appended; null when the first
     * component that does not resolve is a symlink (dangling, or into a loop).
     */
    private static String resolve(String clean) {
        Path p = Path.of(clean);
        int n = p.getNameCount();
        for (int k = n; k >= 0; k--) {
            Path prefix = k == 0 ? p.getRoot() : p.getRoot().resolve(p.subpath(0, k));
            try {
                Path real = prefix.toRealPath();
                return k == n ? real.toString() : real.resolve(p.subpath(k, n)).toString();
            } catch (IOException e) {
                if (Files.isSymbolicLink(prefix)) {
                    return null;
                }
            } catch (SecurityException e) {
                // left as written, like any component the proxy may not traverse
            }
        }
        return clean;
    }
}
