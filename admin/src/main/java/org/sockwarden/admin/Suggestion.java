package org.sockwarden.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Section;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;

/**
 * What {@code sockwarden suggest} proposes: the permission names that, on top of a baseline (a
 * preset, or nothing), allow every operation a client was recorded using and nothing else, in as
 * few names as it finds: a section flag where the client used everything that flag grants,
 * single-operation names otherwise; and the guardrail items its requests needed.
 *
 * <p>Exactness is by construction and checked by the permission model itself ({@link PermissionSet}):
 * the search starts from one single-operation name per operation, and a step that replaces names
 * is taken only if the result still allows every recorded operation and allows nothing that was
 * neither recorded nor in the baseline. Fewness is a greedy search over section flags, modifiers
 * ({@code POST}, {@code DELETE}, the lifecycle flags) and their pairs.
 */
final class Suggestion {

    /** How often an operation was used, and one request (method and target) that used it. */
    record Use(Operation operation, long count, String example) {}

    /** A guardrail item the client's requests needed ({@code privileged}, {@code bind-path=/srv/data}), how often, and one request. */
    record GuardrailOption(String option, long count, String example) {}

    /** The operations one grant of the suggestion allows ({@code NETWORKS}, {@code CONTAINERS+POST}, {@code SYSTEM_INFO}). */
    record Item(String grant, List<Use> uses) {
        long count() {
            return uses.stream().mapToLong(Use::count).sum();
        }
    }

    private final List<Permission> names;
    private final List<Item> items;
    private final List<GuardrailOption> guardrails;

    private Suggestion(List<Permission> names, List<Item> items, List<GuardrailOption> guardrails) {
        this.names = List.copyOf(names);
        this.items = List.copyOf(items);
        this.guardrails = List.copyOf(guardrails);
    }

    /** The names to grant, section flags first, then modifiers, then single operations. */
    List<Permission> names() {
        return names;
    }

    /** What each grant of the suggestion covers, most used first; operations the baseline allows are not listed. */
    List<Item> items() {
        return items;
    }

    /** Guardrail items the recorded requests needed and the client has not: {@code suggest --apply} adds them. */
    List<GuardrailOption> guardrails() {
        return guardrails;
    }

    static Suggestion of(Collection<Use> used, Collection<GuardrailOption> guardrails, PermissionSet baseline) {
        Map<Operation, Use> byOperation = new LinkedHashMap<>();
        for (Use u : used) {
            byOperation.merge(u.operation(), u, (a, b) -> new Use(a.operation(), a.count() + b.count(), a.example()));
        }
        List<Permission> names = leastSet(byOperation.keySet(), baseline);
        PermissionSet all = baseline.with(names);
        Map<String, List<Use>> byGrant = new LinkedHashMap<>();
        for (Use u : byOperation.values()) {
            if (!baseline.allows(u.operation())) {
                byGrant.computeIfAbsent(all.grantedBy(u.operation()), g -> new ArrayList<>()).add(u);
            }
        }
        List<Item> items = new ArrayList<>();
        byGrant.forEach((grant, uses) -> {
            uses.sort(Comparator.comparingLong(Use::count).reversed());
            items.add(new Item(grant, uses));
        });
        items.sort(Comparator.comparingLong(Item::count).reversed().thenComparing(Item::grant));
        List<GuardrailOption> options = new ArrayList<>(guardrails);
        options.sort(Comparator.comparingLong(GuardrailOption::count).reversed().thenComparing(GuardrailOption::option));
        return new Suggestion(names, items, options);
    }

    /**
     * The names to add to {@code baseline} so that every operation in {@code used} is allowed and
     * nothing beyond {@code used} and what the baseline already allows.
     */
    static List<Permission> leastSet(Set<Operation> used, PermissionSet baseline) {
        Set<Operation> needed = EnumSet.noneOf(Operation.class);
        for (Operation op : used) {
            if (!baseline.allows(op)) {
                needed.add(op);
            }
        }
        if (needed.isEmpty()) {
            return List.of();
        }
        Set<Operation> permitted = EnumSet.copyOf(used);
        for (Operation op : Operation.values()) {
            if (baseline.allows(op)) {
                permitted.add(op);
            }
        }
        Set<Permission> chosen = new LinkedHashSet<>();
        needed.forEach(op -> chosen.add(new Permission.Single(op)));
        List<List<Permission>> moves = moves();
        // Replace names while that makes the set smaller; each step keeps the set exact.
        while (true) {
            Set<Permission> best = null;
            for (List<Permission> move : moves) {
                Set<Permission> candidate = tryMove(chosen, move, needed, permitted, baseline);
                if (candidate != null && candidate.size() < (best == null ? chosen.size() : best.size())) {
                    best = candidate;
                }
            }
            if (best == null) {
                break;
            }
            chosen.clear();
            chosen.addAll(best);
        }
        // A section flag in place of single names when the client used all the section grants alone, at no extra name.
        for (Section s : Section.values()) {
            Set<Permission> candidate = tryMove(chosen, List.of(new Permission.SectionFlag(s)), needed, permitted, baseline);
            if (candidate != null && candidate.size() <= chosen.size()) {
                chosen.clear();
                chosen.addAll(candidate);
            }
        }
        List<Permission> ordered = new ArrayList<>();
        for (Permission p : Permission.all()) {
            if (chosen.contains(p)) {
                ordered.add(p);
            }
        }
        return ordered;
    }

    /** Every section flag, every modifier, and every pair of the two. */
    private static List<List<Permission>> moves() {
        List<List<Permission>> moves = new ArrayList<>();
        for (Section s : Section.values()) {
            moves.add(List.of(new Permission.SectionFlag(s)));
        }
        for (Permission.Modifier m : Permission.Modifier.values()) {
            moves.add(List.of(m));
            for (Section s : Section.values()) {
                moves.add(List.of(new Permission.SectionFlag(s), m));
            }
        }
        return moves;
    }

    /**
     * {@code chosen} with {@code move} added and every name dropped that is then not needed; null
     * when the move adds nothing new, or the result would allow an operation outside {@code permitted}.
     */
    private static Set<Permission> tryMove(Set<Permission> chosen, List<Permission> move, Set<Operation> needed,
                                           Set<Operation> permitted, PermissionSet baseline) {
        if (chosen.containsAll(move)) {
            return null;
        }
        Set<Permission> candidate = new LinkedHashSet<>(chosen);
        candidate.addAll(move);
        PermissionSet granted = baseline.with(candidate);
        for (Operation op : Operation.values()) {
            if (granted.allows(op) && !permitted.contains(op)) {
                return null;
            }
        }
        // Single names first: they are what the flags replace.
        List<Permission> order = new ArrayList<>(candidate);
        order.sort(Comparator.comparingInt(p -> p instanceof Permission.Single ? 0 : 1));
        for (Permission p : order) {
            candidate.remove(p);
            if (!allowsAll(baseline.with(candidate), needed)) {
                candidate.add(p);
            }
        }
        return candidate.containsAll(move) ? candidate : null;
    }

    private static boolean allowsAll(PermissionSet set, Set<Operation> operations) {
        for (Operation op : operations) {
            if (!set.allows(op)) {
                return false;
            }
        }
        return true;
    }
}
