package org.sockwarden.proxy.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The drop-in configuration: {@code CONTAINERS=1 POST=0 …} as tecnativa/docker-socket-proxy and
 * its forks read it, so an existing env file keeps its meaning.
 *
 * <p>A typo must never silently take a permission away (the user would debug a bare 403) or grant
 * one, so a variable that looks like a flag but is not one is an error naming the nearest flag.
 * In the process environment only names close to a flag count as flag-like, since the
 * environment also holds PATH, HOME, CI and the like; in an env file every line must be known.
 */
public final class EnvFlags {

    /** Granted unless set to 0, as in the established proxies. */
    public static final List<String> DEFAULTS = List.of("EVENTS", "PING", "VERSION");

    /** Settings of the established proxies that are not permissions; accepted so their env files load unchanged. */
    public static final Set<String> SETTINGS = Set.of("LOG_LEVEL", "DISABLE_IPV6", "SOCKET_PATH", "DOCKER_SOCKET",
            "BIND_CONFIG", "TZ", "PUID", "PGID");

    /**
     * The drop-in client's guardrails: one line of guardrail items ({@code privileged bind-path=/srv/data}), as
     * {@code client add --guardrail} takes them; unset or empty, the defaults. sockwarden's own, so its name says so.
     */
    public static final String GUARDRAILS = "SOCKWARDEN_GUARDRAILS";

    private static final Pattern FLAG_LIKE = Pattern.compile("[A-Z][A-Z0-9_]{2,}");

    private EnvFlags() {}

    /** Thrown for an unknown flag or a value that is not a boolean; the message says what to write instead. */
    public static final class InvalidFlagException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidFlagException(String message) {
            super(message);
        }
    }

    /** Flags from the process environment: known names are read, near-misses are errors, the rest is ignored. */
    public static PermissionSet fromEnvironment(Map<String, String> env) {
        Map<String, String> flags = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (Permission.isName(name)) {
                flags.put(name, e.getValue());
            } else if (!SETTINGS.contains(name) && looksLikeFlag(name, e.getValue())) {
                Optional<String> near = nearestFlag(name);
                if (near.isPresent()) {
                    throw new InvalidFlagException("unknown flag " + name + "=" + e.getValue() + ": did you mean "
                            + near.get() + "? (`sockwarden permissions` lists every name)");
                }
            }
        }
        return parse(flags);
    }

    /** Flags from an env file's lines ({@code KEY=VALUE}, {@code #} comments, optional {@code export }); every key must be known. */
    public static PermissionSet fromEnvFile(List<String> lines, String fileName) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String[] entry : entries(lines, fileName)) {
            if (Permission.isName(entry[0])) {
                flags.put(entry[0], entry[1]);
            }
        }
        return parse(flags);
    }

    /** The {@value #GUARDRAILS} line of an env file ({@code ""} when it has none); the file is checked as {@link #fromEnvFile} checks it. */
    public static String guardrailsFromEnvFile(List<String> lines, String fileName) {
        String line = "";
        for (String[] entry : entries(lines, fileName)) {
            if (entry[0].equals(GUARDRAILS)) {
                line = entry[1];
            }
        }
        return line;
    }

    /** {name, value} of each line that sets something; a line that is not KEY=VALUE, or an unknown key, is an error. */
    private static List<String[]> entries(List<String> lines, String fileName) {
        List<String[]> entries = new ArrayList<>();
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            if (line.startsWith("- ")) {
                line = line.substring(2).strip(); // a compose list entry pasted as it is
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new InvalidFlagException(fileName + ":" + lineNo + ": expected KEY=VALUE, got: " + raw.strip());
            }
            String name = line.substring(0, eq).strip();
            String value = unquote(line.substring(eq + 1).strip());
            if (!Permission.isName(name) && !SETTINGS.contains(name) && !name.equals(GUARDRAILS)) {
                throw new InvalidFlagException(fileName + ":" + lineNo + ": unknown flag " + name
                        + nearestFlag(name).map(n -> ": did you mean " + n + "?").orElse("")
                        + " (`sockwarden permissions` lists every name)");
            }
            entries.add(new String[] {name, value});
        }
        return entries;
    }

    private static PermissionSet parse(Map<String, String> flags) {
        Set<String> granted = new HashSet<>(DEFAULTS);
        List<Permission> permissions = new ArrayList<>();
        for (Map.Entry<String, String> e : flags.entrySet()) {
            boolean on = bool(e.getKey(), e.getValue());
            if (on) {
                granted.add(e.getKey());
            } else {
                granted.remove(e.getKey());
            }
        }
        for (String name : granted) {
            permissions.add(Permission.of(name));
        }
        return PermissionSet.of(permissions);
    }

    static boolean bool(String name, String value) {
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true" -> {
                return true;
            }
            case "0", "false", "" -> {
                return false;
            }
            default -> throw new InvalidFlagException("bad value " + name + "=" + value + ": use 0, 1, true or false");
        }
    }

    private static boolean looksLikeFlag(String name, String value) {
        if (!FLAG_LIKE.matcher(name).matches()) {
            return false;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        return v.equals("0") || v.equals("1") || v.equals("true") || v.equals("false");
    }

    private static Optional<String> nearestFlag(String name) {
        List<String> names = new ArrayList<>();
        for (Permission p : Permission.all()) {
            names.add(p.name());
        }
        names.addAll(Permission.aliases().keySet());
        return Suggestions.nearest(name, names);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
