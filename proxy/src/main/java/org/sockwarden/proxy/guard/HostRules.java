package org.sockwarden.proxy.guard;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The guardrails on what a container (or a service's task, or an exec) gets from the host, shared by
 * the inspectors. Each method throws a {@link Refusal} at the first value it refuses, naming the field
 * as the engine names it and the {@link Relaxation} or guardrails item that would allow it.
 *
 * <p>Values are judged as the request writes them, not as the engine may default them: an empty
 * {@code CgroupnsMode} is the engine's default even where that default is the host's namespace.
 * Values the guard does not know are refused, so a value another engine (Podman) reads more widely
 * than Docker does cannot pass.
 */
final class HostRules {

    /** A namespace mode field: which relaxation its {@code host} value needs, and its harmless values. */
    enum Mode {
        NETWORK("NetworkMode", Relaxation.HOST_NETWORK, Set.of("", "default", "bridge", "none")),
        PID("PidMode", Relaxation.HOST_PID, Set.of("")),
        IPC("IpcMode", Relaxation.HOST_IPC, Set.of("", "none", "private", "shareable")),
        UTS("UTSMode", Relaxation.HOST_UTS, Set.of("")),
        USERNS("UsernsMode", Relaxation.HOST_USERNS, Set.of("")),
        CGROUPNS("CgroupnsMode", Relaxation.HOST_CGROUPNS, Set.of("", "private")),
        CGROUP("Cgroup", null, Set.of(""));

        final String field;
        final Relaxation host;
        final Set<String> harmless;

        Mode(String field, Relaxation host, Set<String> harmless) {
            this.field = field;
            this.host = host;
            this.harmless = harmless;
        }
    }

    /** Docker's volume names (daemon/names): what a Binds source that is not absolute must look like. */
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** Mount modes of linux_parser.go: a two-part Binds entry whose second part is one of these is invalid. */
    private static final Set<String> BIND_MODES = Set.of("rw", "ro", "z", "Z", "private", "rprivate", "slave", "rslave",
            "shared", "rshared", "nocopy", "consistent", "cached", "delegated");

    private HostRules() {}

    /**
     * A namespace mode: {@code host} (in any case) needs the mode's host relaxation, {@code container:<id>}
     * {@link Relaxation#JOIN_CONTAINER}, {@code ns:<path>} {@link Relaxation#JOIN_NS_PATH}; a user-defined
     * network name is harmless; anything else is refused.
     */
    static void mode(Mode mode, String field, String value, Guardrails rules) {
        if (mode.harmless.contains(value)) {
            return;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("container:")) {
            require(rules, Relaxation.JOIN_CONTAINER, field, "joins another container's namespace (" + Texts.quote(value) + ")");
        } else if (lower.startsWith("ns:")) {
            require(rules, Relaxation.JOIN_NS_PATH, field, "joins a namespace by path (" + Texts.quote(value) + ")");
        } else if (lower.equals("host") && mode.host != null) {
            require(rules, mode.host, field, "the host's namespace");
        } else if (mode == Mode.NETWORK && value.indexOf(':') < 0 && Shape.isAscii(value)) {
            return; // a user-defined network (by name or ID): never the host's, which only "host" names (checked on 20.10)
        } else {
            throw Refusal.forbidden(field, "unknown mode " + Texts.quote(value) + " (the guard allows only what it knows)", null);
        }
    }

    /** CapAdd, or the entries of Capabilities (the whole set, API 1.40..1.42) beyond Docker's default set. */
    static void capabilities(String field, List<String> caps, boolean wholeSet, Guardrails rules) {
        for (int i = 0; i < caps.size(); i++) {
            String c = Capabilities.normalize(caps.get(i));
            String at = field + "[" + i + "]";
            if (c == null) {
                throw Refusal.malformed(at, "capability " + Texts.quote(caps.get(i)) + " has non-ASCII letters, which the"
                        + " engine upper-cases with Unicode rules (ſ becomes S)");
            }
            if (wholeSet && Capabilities.DEFAULT.contains(c) || rules.allows(Relaxation.CAP_ADD) || rules.capAdd().contains(c)) {
                continue;
            }
            if (c.equals(Capabilities.ALL)) {
                throw Refusal.forbidden(at, "adds every capability", Relaxation.CAP_ADD.option());
            }
            if (!Capabilities.KNOWN.contains(c)) {
                throw Refusal.malformed(at, "unknown capability " + Texts.quote(caps.get(i)));
            }
            throw Refusal.forbidden(at, "adds capability " + c, "cap-add=" + c);
        }
    }

    /**
     * SecurityOpt as the engine parses it (daemon/create parseSecurityOpt): {@code no-new-privileges}
     * (also {@code =bool}, {@code :bool}), {@code label=level:...} pass; seccomp, AppArmor and SELinux
     * settings, {@code disable} and keys only Podman knows ({@code unmask}, {@code mask},
     * {@code proc-opts}, {@code systempaths}) are refused, each with its relaxation where one exists.
     */
    static void securityOpts(String field, List<String> opts, Guardrails rules) {
        for (int i = 0; i < opts.size(); i++) {
            String opt = opts.get(i);
            String at = field + "[" + i + "]";
            if (opt.equals("no-new-privileges")) {
                continue;
            }
            if (opt.equals("disable")) {
                require(rules, Relaxation.SELINUX_UNCONFINED, at, "disables SELinux labelling");
                continue;
            }
            int sep = opt.indexOf('=');
            if (sep < 0) {
                sep = opt.indexOf(':');
            }
            if (sep < 0) {
                throw Refusal.malformed(at, "not a security option: " + Texts.quote(opt));
            }
            String key = opt.substring(0, sep);
            String value = opt.substring(sep + 1);
            switch (key) {
                case "no-new-privileges" -> {
                    // either way it only takes privileges away, or leaves the default
                }
                case "label" -> {
                    if (!value.startsWith("level:")) {
                        require(rules, Relaxation.SELINUX_UNCONFINED, at, "sets SELinux labelling (" + Texts.quote(opt) + ")");
                    }
                }
                case "seccomp" -> require(rules, Relaxation.SECCOMP_UNCONFINED, at, value.equals("unconfined")
                        ? "disables seccomp" : "replaces the default seccomp profile");
                case "apparmor" -> require(rules, Relaxation.APPARMOR_UNCONFINED, at, value.equals("unconfined")
                        ? "disables AppArmor" : "replaces the default AppArmor profile");
                default -> throw Refusal.forbidden(at, "security option " + Texts.quote(opt) + " is not one the guard knows"
                        + " (Podman reads unmask=, mask=, systempaths= here)", null);
            }
        }
    }

    /**
     * One Binds entry as linux_parser.go splits it: {@code [source:]target[:mode]}. An absolute source is
     * a bind and judged as one; any other source must be a volume name (Podman binds sources starting
     * with {@code .}).
     */
    static void bind(String field, String spec, Guardrails rules, HostPaths paths) {
        String[] parts = spec.split(":", -1);
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw Refusal.malformed(field, "not a bind: " + Texts.quote(spec));
        }
        if (parts.length == 1) {
            return; // an anonymous volume at that target
        }
        if (parts.length == 2 && BIND_MODES.contains(parts[1])) {
            throw Refusal.malformed(field, "not a bind: " + Texts.quote(spec));
        }
        String source = parts[0];
        if (source.startsWith("/")) {
            paths.judgeBind(field, source, rules);
        } else if (!VOLUME_NAME.matcher(source).matches()) {
            throw Refusal.malformed(field, "source " + Texts.quote(source) + " is neither an absolute path nor a volume name");
        }
    }

    /**
     * A local-driver volume's options (DriverOpts, a mount's DriverConfig.Options): with {@code o} holding
     * {@code bind} or {@code rbind} it is a bind of {@code device}, judged as one; with other {@code type},
     * {@code device} or {@code o} it mounts something of the host's (a disk, a network share, a tmpfs).
     * Keys and option words are compared case-insensitively: Docker knows only the lower-case keys,
     * Podman lower-cases them.
     */
    static void localVolumeOptions(String field, List<Json.Member> options, Guardrails rules, HostPaths paths) {
        String device = null;
        String o = null;
        boolean mounts = false;
        for (Json.Member m : options) {
            String key = m.key().toLowerCase(Locale.ROOT);
            String value = Values.string(m.value(), field + "." + m.key());
            switch (key) {
                case "device" -> {
                    device = value;
                    mounts = true;
                }
                case "o" -> {
                    o = value;
                    mounts = true;
                }
                case "type" -> mounts = true;
                default -> {
                    // size, and Podman's uid, gid, copy, ...: no host resource
                }
            }
        }
        if (!mounts) {
            return;
        }
        if (o != null) {
            for (String word : o.split(",")) {
                String w = word.trim().toLowerCase(Locale.ROOT);
                if (w.equals("bind") || w.equals("rbind")) {
                    paths.judgeBind(field + ".device", device == null ? "" : device, rules);
                    return;
                }
            }
        }
        require(rules, Relaxation.VOLUME_MOUNTS, field, "a local volume that mounts " + (device == null ? "a device" : Texts.quote(device))
                + " with the host's mount options (type/device/o)");
    }

    /** Tmpfs mount options (a HostConfig.Tmpfs value, split at commas): exec, dev and suid lift the engine's noexec, nodev, nosuid. */
    static void tmpfsOptions(String field, String options, Guardrails rules) {
        for (String word : options.split(",")) {
            tmpfsOption(field, word, rules);
        }
    }

    static void tmpfsOption(String field, String word, Guardrails rules) {
        String w = word.trim().toLowerCase(Locale.ROOT);
        if (w.equals("exec") || w.equals("dev") || w.equals("suid")) {
            require(rules, Relaxation.TMPFS_EXEC, field, "a tmpfs with " + w);
        }
    }

    /**
     * With {@code non-root}: a user spec {@code user[:group]} whose user is a non-zero numeric uid. Root
     * has many spellings ({@code 0}, {@code 00}, {@code +0}, {@code -0}, {@code 0000:5}, {@code root}) and
     * an empty user is the image's default; a name is resolved in the image's /etc/passwd, which the
     * guard cannot read (an image may call uid 0 anything), so names are refused too.
     */
    static void user(String field, String spec, Guardrails rules) {
        if (!rules.nonRoot()) {
            return;
        }
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        if (user.isEmpty()) {
            throw Refusal.forbidden(field, "no user: the image's default, which may be root; the client must run as a"
                    + " non-zero numeric uid (non-root)", null);
        }
        if (user.matches("[+-]?[0-9]+") && new java.math.BigInteger(user).signum() == 0) {
            throw Refusal.forbidden(field, "user " + Texts.quote(spec) + " is root; the client must run as a non-zero uid (non-root)", null);
        }
        if (!user.matches("[0-9]{1,10}") || Long.parseLong(user) > Integer.MAX_VALUE) {
            throw Refusal.forbidden(field, "user " + Texts.quote(spec) + " is not a plain numeric uid; a name is resolved in"
                    + " the image, where any name may be uid 0 (non-root)", null);
        }
    }

    /** A limit the guardrails require: present ({@code > 0}) and at most {@code max}; {@code max} 0 requires nothing. */
    static void limit(String field, long value, long max, String item, String what) {
        if (max <= 0) {
            return;
        }
        if (value <= 0) {
            throw Refusal.forbidden(field, "no " + what + " limit; the client must set one of at most " + describe(item, max)
                    + " (" + item + ")", null);
        }
        if (value > max) {
            throw Refusal.forbidden(field, what + " limit " + value + " is above the client's " + describe(item, max)
                    + " (" + item + ")", null);
        }
    }

    private static String describe(String item, long max) {
        return switch (item) {
            case "max-memory" -> Guardrails.sizeText(max) + " (" + max + " bytes)";
            case "max-cpus" -> java.math.BigDecimal.valueOf(max, 9).stripTrailingZeros().toPlainString() + " CPUs ("
                    + max + " NanoCpus)";
            default -> Long.toString(max);
        };
    }

    /** A plain 403 when {@code rules} lack {@code r}. */
    static void require(Guardrails rules, Relaxation r, String field, String what) {
        if (!rules.allows(r)) {
            throw Refusal.forbidden(field, what, r.option());
        }
    }

    /** A Mounts field with a comma: Podman writes mounts out as a CSV option string and reads them back. */
    static void noComma(String field, String value) {
        if (value.indexOf(',') >= 0) {
            throw Refusal.malformed(field, Texts.quote(value) + " has a comma: Podman turns mounts into comma-separated"
                    + " options and would read the rest as more options");
        }
    }
}
