package org.sockwarden.proxy.guard;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.sockwarden.proxy.policy.Suggestions;

/**
 * One client's guardrails: what the guard lets it past ({@link Relaxation}s, host paths it may bind,
 * capabilities it may add) and what it requires of it (images, labels, non-root, read-only root file
 * system, limits). {@link #DEFAULT} relaxes nothing and requires nothing: the state of every client
 * the moment it may create containers.
 *
 * <h2>Text form</h2>
 * One line of items separated by spaces, as stored and as typed (e.g. in {@code client show} and the
 * CLI); {@link #parse} reads it and {@link #toString} writes it back, canonically (relaxations in
 * their declared order, then the lists, then the requirements), so that {@code parse(g.toString())}
 * equals {@code g}. The empty string is {@link #DEFAULT}.
 * <pre>
 *   privileged host-network ...        a {@link Relaxation} by its option name
 *   bind-path=/srv/ci                  a host path (and what is below it) binds may use; repeatable
 *   cap-add=NET_ADMIN                  one capability CapAdd may add; repeatable ({@code cap-add} alone: any)
 *   image=ghcr.io/acme/*               images the client may use ({@link ImagePattern}); repeatable; none: any
 *   label=team=ci                      a label forced onto what the client creates; repeatable
 *   non-root                           containers, services and execs must run as a non-zero numeric uid
 *   read-only-rootfs                   containers and services must have a read-only root file system
 *   max-memory=512m                    a memory limit is required, at most this (b, k, m, g: powers of 1024)
 *   max-cpus=1.5                       a CPU limit is required, at most this many CPUs
 *   max-pids=200                       a PIDs limit is required, at most this
 * </pre>
 * A value with spaces, quotes or backslashes is written in double quotes, with {@code \"} and {@code \\}
 * escapes: {@code bind-path="/srv/my data"}.
 *
 * @param maxMemory   bytes; 0: no memory limit required
 * @param maxNanoCpus CPUs in billionths, as the engine's NanoCpus; 0: no CPU limit required
 * @param maxPids     0: no PIDs limit required
 */
public record Guardrails(Set<Relaxation> relaxations, List<String> bindPaths, Set<String> capAdd, List<ImagePattern> images,
                         Map<String, String> labels, boolean nonRoot, boolean readOnlyRootfs, long maxMemory,
                         long maxNanoCpus, long maxPids) {

    public static final Guardrails DEFAULT = new Guardrails(Set.of(), List.of(), Set.of(), List.of(), Map.of(),
            false, false, 0, 0, 0);

    public Guardrails {
        Set<Relaxation> r = EnumSet.noneOf(Relaxation.class);
        r.addAll(relaxations);
        relaxations = Collections.unmodifiableSet(r);
        for (String p : bindPaths) {
            String problem = HostPaths.problemWithAllowedPath(p);
            if (problem != null) {
                throw new InvalidGuardrailsException("bind-path=" + p + ": " + problem, null);
            }
        }
        bindPaths = List.copyOf(new LinkedHashSet<>(bindPaths));
        for (String c : capAdd) {
            if (!Capabilities.KNOWN.contains(c)) {
                throw new InvalidGuardrailsException("cap-add=" + c + ": not a capability name as the guard writes them"
                        + " (upper case, without CAP_)", Suggestions.nearest(c, Capabilities.KNOWN).orElse(null));
            }
        }
        capAdd = Collections.unmodifiableSet(new TreeSet<>(capAdd));
        images = List.copyOf(new LinkedHashSet<>(images));
        for (String key : labels.keySet()) {
            if (key.isEmpty()) {
                throw new InvalidGuardrailsException("label: an empty key", null);
            }
        }
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        if (maxMemory < 0 || maxNanoCpus < 0 || maxPids < 0) {
            throw new InvalidGuardrailsException("limits are positive", null);
        }
    }

    public boolean allows(Relaxation r) {
        return relaxations.contains(r);
    }

    /** A copy with {@code r} added. */
    public Guardrails with(Relaxation r) {
        Set<Relaxation> more = EnumSet.noneOf(Relaxation.class);
        more.addAll(relaxations);
        more.add(r);
        return new Guardrails(more, bindPaths, capAdd, images, labels, nonRoot, readOnlyRootfs, maxMemory, maxNanoCpus, maxPids);
    }

    // ---------------------------------------------------------------------------------------------
    // Text form

    private static final String BIND_PATH = "bind-path";
    private static final String CAP_ADD = "cap-add";
    private static final String IMAGE = "image";
    private static final String LABEL = "label";
    private static final String NON_ROOT = "non-root";
    private static final String READ_ONLY_ROOTFS = "read-only-rootfs";
    private static final String MAX_MEMORY = "max-memory";
    private static final String MAX_CPUS = "max-cpus";
    private static final String MAX_PIDS = "max-pids";

    /** The items that are not relaxations, each as an example with what it means: for help texts and `sockwarden guardrails`. */
    public static Map<String, String> otherItems() {
        Map<String, String> items = new java.util.LinkedHashMap<>();
        items.put(BIND_PATH + "=/srv/data", "binds (and local volumes with o=bind) may use this host path and what is below it; repeatable");
        items.put(CAP_ADD + "=NET_ADMIN", "CapAdd may add this one capability; repeatable (cap-add alone: any)");
        items.put(IMAGE + "=ghcr.io/acme/*", "the client may use only images matching one of these patterns; repeatable; none: any image");
        items.put(LABEL + "=team=ci", "this label is forced onto what the client creates; repeatable");
        items.put(NON_ROOT, "containers, services and execs must run as a non-zero numeric uid");
        items.put(READ_ONLY_ROOTFS, "containers and services must have a read-only root file system");
        items.put(MAX_MEMORY + "=512m", "a memory limit is required, at most this (b, k, m, g: powers of 1024)");
        items.put(MAX_CPUS + "=1.5", "a CPU limit is required, at most this many CPUs");
        items.put(MAX_PIDS + "=200", "a PIDs limit is required, at most this");
        return items;
    }

    /** Every item name of the text form, for "did you mean". */
    public static List<String> itemNames() {
        List<String> names = new ArrayList<>();
        for (Relaxation r : Relaxation.values()) {
            names.add(r.option());
        }
        names.addAll(List.of(BIND_PATH, IMAGE, LABEL, NON_ROOT, READ_ONLY_ROOTFS, MAX_MEMORY, MAX_CPUS, MAX_PIDS));
        return names; // cap-add is both the relaxation and, with a value, the list item
    }

    /** Reads the text form; throws {@link InvalidGuardrailsException} naming the item and, for a typo, the nearest name. */
    public static Guardrails parse(String text) {
        Set<Relaxation> relaxations = EnumSet.noneOf(Relaxation.class);
        List<String> bindPaths = new ArrayList<>();
        Set<String> caps = new TreeSet<>();
        List<ImagePattern> images = new ArrayList<>();
        Map<String, String> labels = new TreeMap<>();
        boolean nonRoot = false;
        boolean readOnly = false;
        long memory = 0;
        long nanoCpus = 0;
        long pids = 0;
        for (String[] item : tokens(text)) {
            String name = item[0];
            String value = item[1];
            // cap-add alone is the relaxation (any capability); cap-add=NAME the list item (one)
            Relaxation r = name.equals(CAP_ADD) && value != null ? null : Relaxation.of(name);
            if (r != null || name.equals(NON_ROOT) || name.equals(READ_ONLY_ROOTFS)) {
                if (value != null) {
                    throw new InvalidGuardrailsException(name + " takes no value (" + name + "=" + value + ")", null);
                }
                if (r != null) {
                    relaxations.add(r);
                } else if (name.equals(NON_ROOT)) {
                    nonRoot = true;
                } else {
                    readOnly = true;
                }
                continue;
            }
            if (!itemNames().contains(name)) {
                throw new InvalidGuardrailsException("unknown guardrail " + name,
                        Suggestions.nearest(name, itemNames()).orElse(null));
            }
            if (value == null || value.isEmpty()) {
                throw new InvalidGuardrailsException(name + " needs a value: " + example(name), null);
            }
            switch (name) {
                case BIND_PATH -> bindPaths.add(value);
                case CAP_ADD -> {
                    String c = Capabilities.normalize(value);
                    if (c == null || c.equals(Capabilities.ALL) || !Capabilities.KNOWN.contains(c)) {
                        throw new InvalidGuardrailsException("cap-add=" + value + ": not a capability"
                                + (Capabilities.ALL.equals(c) ? " (all of them is the cap-add relaxation)" : ""),
                                c == null ? null : Suggestions.nearest(c, Capabilities.KNOWN).map(s -> "cap-add=" + s).orElse(null));
                    }
                    caps.add(c);
                }
                case IMAGE -> {
                    try {
                        images.add(ImagePattern.parse(value));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidGuardrailsException(e.getMessage(), null);
                    }
                }
                case LABEL -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new InvalidGuardrailsException("label=" + value + ": write label=KEY=VALUE", null);
                    }
                    labels.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case MAX_MEMORY -> memory = bytes(value);
                case MAX_CPUS -> nanoCpus = nanoCpus(value);
                default -> pids = positive(MAX_PIDS, value);
            }
        }
        return new Guardrails(relaxations, bindPaths, caps, images, labels, nonRoot, readOnly, memory, nanoCpus, pids);
    }

    private static String example(String name) {
        return switch (name) {
            case BIND_PATH -> "bind-path=/srv/data";
            case CAP_ADD -> "cap-add=NET_ADMIN";
            case IMAGE -> "image=ghcr.io/acme/*";
            case LABEL -> "label=team=ci";
            case MAX_MEMORY -> "max-memory=512m";
            case MAX_CPUS -> "max-cpus=1.5";
            default -> "max-pids=200";
        };
    }

    /** These guardrails with the items of {@code more} added; a single-valued item (max-memory=...) takes the new value. */
    public Guardrails plus(Guardrails more) {
        Set<String> all = new LinkedHashSet<>(items());
        all.addAll(more.items());
        return parse(String.join(" ", all));
    }

    /** These guardrails without the items of {@code less}, each compared in its canonical text form. */
    public Guardrails minus(Guardrails less) {
        List<String> left = new ArrayList<>(items());
        left.removeAll(less.items());
        return parse(String.join(" ", left));
    }

    /** The canonical text form; {@code ""} for {@link #DEFAULT}. */
    @Override
    public String toString() {
        return String.join(" ", items());
    }

    /** The items of the canonical text form, in its order, each as {@link #parse} reads it back. */
    public List<String> items() {
        List<String> items = new ArrayList<>();
        for (Relaxation r : relaxations) {
            items.add(r.option());
        }
        bindPaths.forEach(p -> items.add(BIND_PATH + "=" + quoted(p)));
        capAdd.forEach(c -> items.add(CAP_ADD + "=" + c));
        images.forEach(i -> items.add(IMAGE + "=" + quoted(i.text())));
        labels.forEach((k, v) -> items.add(LABEL + "=" + quoted(k + "=" + v)));
        if (nonRoot) {
            items.add(NON_ROOT);
        }
        if (readOnlyRootfs) {
            items.add(READ_ONLY_ROOTFS);
        }
        if (maxMemory > 0) {
            items.add(MAX_MEMORY + "=" + sizeText(maxMemory));
        }
        if (maxNanoCpus > 0) {
            items.add(MAX_CPUS + "=" + BigDecimal.valueOf(maxNanoCpus, 9).stripTrailingZeros().toPlainString());
        }
        if (maxPids > 0) {
            items.add(MAX_PIDS + "=" + maxPids);
        }
        return items;
    }

    /** The item that lets binds use {@code path}, in the text form ({@code bind-path="/srv/my data"} for a path with a space). */
    static String bindPathItem(String path) {
        return BIND_PATH + "=" + quoted(path);
    }

    private static String quoted(String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c != '"' && c != '\\' && c != 0x7F;
        }
        if (plain) {
            return value;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Items as {name, value-or-null}; a value may be double-quoted with \" and \\ escapes. */
    private static List<String[]> tokens(String text) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != '=') {
                i++;
            }
            String name = text.substring(start, i);
            if (i >= n || text.charAt(i) != '=') {
                out.add(new String[] {name, null});
                continue;
            }
            i++;
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidGuardrailsException(name + ": a quoted value without its closing quote", null);
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            throw new InvalidGuardrailsException(name + ": a quoted value without its closing quote", null);
                        }
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
                if (i < n && !Character.isWhitespace(text.charAt(i))) {
                    throw new InvalidGuardrailsException(name + ": text after the closing quote", null);
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    char c = text.charAt(i++);
                    if (c == '"' || c == '\\') {
                        throw new InvalidGuardrailsException(name + "=" + text.substring(start + name.length() + 1, i)
                                + ": quote a value with quotes or backslashes in it", null);
                    }
                    value.append(c);
                }
            }
            out.add(new String[] {name, value.toString()});
        }
    }

    private static long positive(String name, String value) {
        try {
            long v = Long.parseLong(value);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below says what is wanted
        }
        throw new InvalidGuardrailsException(name + "=" + value + ": a whole number above 0", null);
    }

    /** {@code 512m}, {@code 1g}, {@code 1048576}, {@code 64k}, {@code 100b}: powers of 1024, as the docker CLI reads them. */
    static long bytes(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'b' || last == 'k' || last == 'm' || last == 'g') {
            unit = switch (last) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                default -> 1;
            };
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n > 0 && n <= Long.MAX_VALUE / unit) {
                return n * unit;
            }
        } catch (NumberFormatException e) {
            // the message below says what is wanted
        }
        throw new InvalidGuardrailsException(MAX_MEMORY + "=" + value + ": a size such as 512m, 2g or 1048576", null);
    }

    static String sizeText(long bytes) {
        for (Object[] u : new Object[][] {{1L << 30, "g"}, {1L << 20, "m"}, {1L << 10, "k"}}) {
            long unit = (Long) u[0];
            if (bytes % unit == 0) {
                return bytes / unit + (String) u[1];
            }
        }
        return Long.toString(bytes);
    }

    private static long nanoCpus(String value) {
        try {
            BigDecimal cpus = new BigDecimal(value);
            if (cpus.signum() > 0 && cpus.scale() <= 9 && cpus.compareTo(BigDecimal.valueOf(1_000_000)) < 0) {
                return cpus.movePointRight(9).longValueExact();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // the message below says what is wanted
        }
        throw new InvalidGuardrailsException(MAX_CPUS + "=" + value + ": a number of CPUs such as 2 or 0.5", null);
    }
}
