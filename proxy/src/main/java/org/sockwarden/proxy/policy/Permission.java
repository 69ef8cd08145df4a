package org.sockwarden.proxy.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Section;

/**
 * A name a user grants. Three kinds, with the meaning the env-flag proxies gave them:
 * a section flag ({@code CONTAINERS}) reads a section, a modifier ({@code POST}) widens
 * the granted sections to writes, and a single-operation name ({@code CONTAINERS_CREATE})
 * grants exactly one operation.
 */
public sealed interface Permission permits Permission.SectionFlag, Permission.Modifier, Permission.Single {

    String name();

    /** Read access to one section of the API, e.g. {@code NETWORKS}. */
    record SectionFlag(Section section) implements Permission {
        @Override
        public String name() {
            return section.name();
        }

        // equals and hashCode are written out here and in Single: the generated ones bootstrap
        // java.lang.runtime.ObjectMethods on first use, and permission sets are built during start-up
        // (measured: 19 fewer generated classes, about 10 ms less to ready).
        @Override
        public boolean equals(Object o) {
            return o instanceof SectionFlag other && other.section == section;
        }

        @Override
        public int hashCode() {
            return section.hashCode();
        }
    }

    /** Flags that widen what section flags grant, or grant a few container lifecycle calls. */
    enum Modifier implements Permission {
        /** Writes (any method but GET/HEAD) in every granted section. */
        POST,
        /** DELETE calls in every granted section, without the other writes. */
        DELETE,
        ALLOW_START,
        ALLOW_STOP,
        ALLOW_RESTARTS
    }

    /** Exactly one operation; the name is the operation's constant, e.g. {@code NETWORKS_CONNECT}. */
    record Single(Operation operation) implements Permission {
        @Override
        public String name() {
            return operation.name();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Single other && other.operation == operation;
        }

        @Override
        public int hashCode() {
            return operation.hashCode();
        }
    }

    /** Every permission name, in the order {@code sockwarden permissions} lists them. */
    static List<Permission> all() {
        return Registry.ALL;
    }

    /** Other names users know for a single operation (the linuxserver and wollomatic spellings). */
    static Map<String, Permission> aliases() {
        return Registry.ALIASES;
    }

    /**
     * Whether {@code name} is a permission or an alias, without the cost of suggesting a near one:
     * the env flags check every environment variable (PATH, HOME, ...) at start-up, and asking
     * {@link #of} for each cost 90 ms.
     */
    static boolean isName(String name) {
        return Registry.BY_NAME.containsKey(name);
    }

    /** The permission of that exact name (or alias), or throws with the nearest valid name. */
    static Permission of(String name) {
        Permission p = Registry.BY_NAME.get(name);
        if (p == null) {
            throw new UnknownPermissionException(name, Suggestions.nearest(name, Registry.BY_NAME.keySet()));
        }
        return p;
    }

    final class Registry {
        private static final List<Permission> ALL;
        private static final Map<String, Permission> ALIASES;
        private static final Map<String, Permission> BY_NAME;

        static {
            List<Permission> all = new ArrayList<>();
            for (Section s : Section.values()) {
                all.add(new SectionFlag(s));
            }
            Collections.addAll(all, Modifier.values());
            for (Operation op : Operation.values()) {
                all.add(new Single(op));
            }
            ALL = List.copyOf(all);
            Map<String, Permission> aliases = new LinkedHashMap<>();
            aliases.put("IMAGES_PULL", new Single(Operation.IMAGES_CREATE));
            // linuxserver/docker-socket-proxy denies logs unless ALLOW_LOGS=1, even with CONTAINERS=1.
            aliases.put("ALLOW_LOGS", new Single(Operation.CONTAINERS_LOGS));
            ALIASES = Collections.unmodifiableMap(aliases);
            Map<String, Permission> byName = new LinkedHashMap<>();
            for (Permission p : ALL) {
                if (byName.put(p.name(), p) != null) {
                    throw new IllegalStateException("two permissions named " + p.name());
                }
            }
            byName.putAll(aliases);
            BY_NAME = Collections.unmodifiableMap(byName);
        }

        private Registry() {}
    }
}
