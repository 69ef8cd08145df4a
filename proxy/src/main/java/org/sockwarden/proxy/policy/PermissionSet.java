package org.sockwarden.proxy.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;

/**
 * An immutable set of granted permissions with every operation's answer computed once, so that
 * the decision on the request path is an array read.
 */
public final class PermissionSet {

    private static final Map<Operation, List<List<Permission>>> ALTERNATIVES = alternativesOfAll();

    private final Set<Permission> granted;
    /** By operation ordinal: the grant that allows it ("CONTAINERS", "CONTAINERS+POST", …), or null. */
    private final String[] grantedBy;

    private PermissionSet(Set<Permission> granted) {
        this.granted = Collections.unmodifiableSet(new LinkedHashSet<>(granted));
        this.grantedBy = new String[Operation.values().length];
        for (Operation op : Operation.values()) {
            for (List<Permission> alternative : ALTERNATIVES.get(op)) {
                if (granted.containsAll(alternative)) {
                    grantedBy[op.ordinal()] = join(alternative);
                    break;
                }
            }
        }
    }

    public static PermissionSet of(Collection<? extends Permission> permissions) {
        return new PermissionSet(new LinkedHashSet<>(permissions));
    }

    /** Parses names as users type them; throws {@link UnknownPermissionException} on the first unknown one. */
    public static PermissionSet parse(Collection<String> names) {
        List<Permission> list = new ArrayList<>();
        for (String n : names) {
            list.add(Permission.of(n.trim()));
        }
        return of(list);
    }

    public static PermissionSet none() {
        return of(List.of());
    }

    public boolean allows(Operation op) {
        return grantedBy[op.ordinal()] != null;
    }

    /** The grant that allows {@code op}, e.g. {@code CONTAINERS+POST}; null when denied. */
    public String grantedBy(Operation op) {
        return grantedBy[op.ordinal()];
    }

    public Set<Permission> permissions() {
        return granted;
    }

    public PermissionSet with(Collection<? extends Permission> more) {
        Set<Permission> all = new LinkedHashSet<>(granted);
        all.addAll(more);
        return new PermissionSet(all);
    }

    /**
     * The fewest names to add so that {@code op} is allowed. Prefers the section flags users know
     * over single-operation names when both need the same number of additions.
     */
    public List<Permission> missingFor(Operation op) {
        List<Permission> best = null;
        for (List<Permission> alternative : ALTERNATIVES.get(op)) {
            List<Permission> missing = alternative.stream().filter(p -> !granted.contains(p)).toList();
            if (best == null || missing.size() < best.size()) {
                best = missing;
            }
        }
        return best;
    }

    /**
     * Every way {@code op} can be granted: each inner list is a set of names that together grant it.
     * Section-flag forms come first, the operation's own name last.
     */
    public static List<List<Permission>> alternatives(Operation op) {
        return ALTERNATIVES.get(op);
    }

    private static Map<Operation, List<List<Permission>>> alternativesOfAll() {
        // One pass over the catalog, not one per operation: the per-operation scan was about 20 ms
        // of interpreted stream code on the way to serving the first request.
        Set<Operation> deleteOnly = EnumSet.noneOf(Operation.class);
        Set<Operation> otherMethods = EnumSet.noneOf(Operation.class);
        for (DockerApi.Route r : DockerApi.routes()) {
            (r.method().equals("DELETE") ? deleteOnly : otherMethods).add(r.operation());
        }
        deleteOnly.removeAll(otherMethods);
        Map<Operation, List<List<Permission>>> map = new EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            map.put(op, alternativesOf(op, deleteOnly.contains(op)));
        }
        return map;
    }

    /** {@code deleteOnly}: every route of {@code op} is a DELETE, so DELETE may grant it instead of POST. */
    private static List<List<Permission>> alternativesOf(Operation op, boolean deleteOnly) {
        List<List<Permission>> alternatives = new ArrayList<>();
        Permission section = new Permission.SectionFlag(op.section());
        if (op.access() == Access.READ) {
            alternatives.add(List.of(section));
        } else if (op.access() == Access.WRITE) {
            alternatives.add(List.of(section, Permission.Modifier.POST));
            if (deleteOnly) {
                alternatives.add(List.of(section, Permission.Modifier.DELETE));
            }
        }
        // The linuxserver fork's lifecycle flags work without CONTAINERS or POST.
        switch (op) {
            case CONTAINERS_START -> alternatives.add(List.of(Permission.Modifier.ALLOW_START));
            case CONTAINERS_STOP -> {
                alternatives.add(List.of(Permission.Modifier.ALLOW_STOP));
                alternatives.add(List.of(Permission.Modifier.ALLOW_RESTARTS));
            }
            case CONTAINERS_RESTART, CONTAINERS_KILL -> alternatives.add(List.of(Permission.Modifier.ALLOW_RESTARTS));
            default -> { }
        }
        alternatives.add(List.of(new Permission.Single(op)));
        return List.copyOf(alternatives);
    }

    static String join(List<Permission> permissions) {
        return permissions.stream().map(Permission::name).collect(Collectors.joining("+"));
    }

    @Override
    public String toString() {
        return granted.stream().map(Permission::name).collect(Collectors.joining(","));
    }
}
