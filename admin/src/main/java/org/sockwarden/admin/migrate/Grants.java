package org.sockwarden.admin.migrate;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Section;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;

/**
 * The permission names that allow exactly a set of operations: a section's flag where the set holds
 * every read of that section, POST where it also holds every write of each such section, and each
 * remaining operation by its own name. Exact by construction, and checked against every operation
 * of the catalog before it is returned.
 */
final class Grants {
    private Grants() {}

    static List<String> exactly(Set<Operation> allowed) {
        List<Permission> names = new ArrayList<>();
        List<Section> flagged = new ArrayList<>();
        for (Section s : Section.values()) {
            Set<Operation> reads = of(s, Access.READ);
            if (!reads.isEmpty() && allowed.containsAll(reads)) {
                flagged.add(s);
                names.add(Permission.of(s.name()));
            }
        }
        boolean post = !flagged.isEmpty() && flagged.stream().allMatch(s -> allowed.containsAll(of(s, Access.WRITE)))
                && flagged.stream().anyMatch(s -> !of(s, Access.WRITE).isEmpty());
        if (post) {
            names.add(Permission.of("POST"));
        }
        PermissionSet sofar = PermissionSet.of(names);
        for (Operation op : Operation.values()) {
            if (allowed.contains(op) && !sofar.allows(op)) {
                names.add(Permission.of(op.name()));
            }
        }
        PermissionSet result = PermissionSet.of(names);
        for (Operation op : Operation.values()) {
            if (result.allows(op) != allowed.contains(op)) {
                throw new IllegalStateException("grants " + result + " decide " + op.id() + " otherwise than the proxy did");
            }
        }
        return names.stream().map(Permission::name).toList();
    }

    private static Set<Operation> of(Section section, Access access) {
        Set<Operation> out = EnumSet.noneOf(Operation.class);
        for (Operation op : Operation.values()) {
            if (op.section() == section && op.access() == access) {
                out.add(op);
            }
        }
        return out;
    }
}
