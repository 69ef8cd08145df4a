package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Section;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.Presets;

class SuggestionTest {

    private static List<String> names(Set<Operation> used, PermissionSet baseline) {
        return Suggestion.leastSet(used, baseline).stream().map(Permission::name).toList();
    }

    private static Set<Operation> ops(Operation... ops) {
        return EnumSet.of(ops[0], ops);
    }

    private static Set<Operation> section(Section s, Access... access) {
        Set<Operation> out = EnumSet.noneOf(Operation.class);
        for (Operation op : Operation.values()) {
            if (op.section() == s && List.of(access).contains(op.access())) {
                out.add(op);
            }
        }
        return out;
    }

    /** The suggestion allows every used operation, and nothing that was neither used nor in the baseline. */
    private static void assertExact(Set<Operation> used, PermissionSet baseline, List<Permission> suggested) {
        PermissionSet all = baseline.with(suggested);
        for (Operation op : Operation.values()) {
            boolean expected = used.contains(op) || baseline.allows(op);
            assertThat(all.allows(op)).as("%s with %s on %s", op, suggested, baseline).isEqualTo(expected);
        }
    }

    @Test
    void aDiscoveryWorkloadGetsSectionNamesWhereItUsedAWholeSectionAndSingleNamesElsewhere() {
        Set<Operation> used = ops(Operation.SYSTEM_PING, Operation.SYSTEM_VERSION, Operation.CONTAINERS_LIST, Operation.CONTAINERS_INSPECT,
                Operation.NETWORKS_LIST, Operation.NETWORKS_INSPECT, Operation.SYSTEM_EVENTS);
        assertThat(names(used, PermissionSet.none()))
                .containsExactly("EVENTS", "NETWORKS", "PING", "VERSION", "CONTAINERS_LIST", "CONTAINERS_INSPECT");
        assertExact(used, PermissionSet.none(), Suggestion.leastSet(used, PermissionSet.none()));
    }

    @Test
    void everyReadAndWriteOfASectionIsTheFlagAndPostButNeverWhatNoFlagGrants() {
        Set<Operation> used = section(Section.CONTAINERS, Access.READ, Access.WRITE);
        assertThat(names(used, PermissionSet.none())).containsExactly("CONTAINERS", "POST");
        // One explicit operation more is its own name, beside the flags.
        used.add(Operation.CONTAINERS_ARCHIVE);
        assertThat(names(used, PermissionSet.none())).containsExactly("CONTAINERS", "POST", "CONTAINERS_ARCHIVE");
        assertExact(used, PermissionSet.none(), Suggestion.leastSet(used, PermissionSet.none()));
    }

    @Test
    void postIsSuggestedOnlyWhereItWidensNoOtherFlagBeyondWhatWasUsed() {
        Set<Operation> build = section(Section.BUILD, Access.WRITE);
        assertThat(names(build, PermissionSet.none())).containsExactly("BUILD", "POST");
        // With the network reads as a flag, POST would also grant every network write: single names instead.
        Set<Operation> both = EnumSet.copyOf(build);
        both.addAll(section(Section.NETWORKS, Access.READ));
        List<String> suggested = names(both, PermissionSet.none());
        assertThat(suggested).doesNotContain("POST");
        assertExact(both, PermissionSet.none(), Suggestion.leastSet(both, PermissionSet.none()));
    }

    @Test
    void theLinuxserverLifecycleFlagsWhenTheyAreExactlyWhatWasUsed() {
        assertThat(names(ops(Operation.CONTAINERS_STOP, Operation.CONTAINERS_RESTART, Operation.CONTAINERS_KILL), PermissionSet.none()))
                .containsExactly("ALLOW_RESTARTS");
        assertThat(names(ops(Operation.CONTAINERS_STOP), PermissionSet.none())).containsExactly("CONTAINERS_STOP");
    }

    @Test
    void aPresetBaselineLeavesOnlyWhatGoesBeyondIt() {
        PermissionSet traefik = Presets.get("traefik").permissionSet();
        Set<Operation> used = ops(Operation.SYSTEM_PING, Operation.CONTAINERS_LIST, Operation.NETWORKS_LIST, Operation.NETWORKS_INSPECT,
                Operation.VOLUMES_LIST);
        // traefik already reads networks.list: the section flag adds exactly the inspect that was used.
        assertThat(names(used, traefik)).containsExactly("NETWORKS", "VOLUMES_LIST");
        assertThat(names(ops(Operation.SYSTEM_PING, Operation.CONTAINERS_LIST), traefik)).isEmpty();
    }

    @Test
    void itemsGroupUsesByTheGrantThatAllowsThemAndLeaveTheBaselineOut() {
        Suggestion s = Suggestion.of(List.of(
                        new Suggestion.Use(Operation.NETWORKS_LIST, 5, "GET /v1.41/networks"),
                        new Suggestion.Use(Operation.NETWORKS_INSPECT, 7, "GET /v1.41/networks/n1"),
                        new Suggestion.Use(Operation.CONTAINERS_LIST, 3, "GET /v1.41/containers/json"),
                        new Suggestion.Use(Operation.CONTAINERS_CREATE, 1, "POST /v1.41/containers/create")),
                List.of(new Suggestion.GuardrailOption("bind=/srv/data", 1, "POST /v1.41/containers/create"),
                        new Suggestion.GuardrailOption("cap-add=NET_ADMIN", 2, "POST /v1.41/containers/create")),
                PermissionSet.parse(List.of("CONTAINERS_LIST")));
        assertThat(s.names()).extracting(Permission::name).containsExactly("NETWORKS", "CONTAINERS_CREATE");
        assertThat(s.items()).extracting(Suggestion.Item::grant).containsExactly("NETWORKS", "CONTAINERS_CREATE");
        assertThat(s.items().get(0).count()).isEqualTo(12);
        assertThat(s.items().get(0).uses()).extracting(u -> u.operation().id()).containsExactly("networks.inspect", "networks.list");
        assertThat(s.guardrails()).extracting(Suggestion.GuardrailOption::option).containsExactly("cap-add=NET_ADMIN", "bind=/srv/data");
    }

    @Test
    void anyRecordedSetGetsAnExactSuggestionNoLongerThanOneNamePerOperation() {
        Random random = new Random(20);
        Operation[] all = Operation.values();
        List<String> presets = new ArrayList<>();
        Presets.all().forEach(p -> presets.add(p.name()));
        for (int round = 0; round < 40; round++) {
            Set<Operation> used = EnumSet.noneOf(Operation.class);
            int n = 1 + random.nextInt(20);
            for (int i = 0; i < n; i++) {
                used.add(all[random.nextInt(all.length)]);
            }
            if (random.nextBoolean()) {
                // Whole sections too, so that flags and modifiers are in play.
                used.addAll(section(Section.values()[random.nextInt(Section.values().length)], Access.READ, Access.WRITE));
            }
            PermissionSet baseline = random.nextInt(3) == 0 ? Presets.get(presets.get(random.nextInt(presets.size()))).permissionSet()
                    : PermissionSet.none();
            List<Permission> suggested = Suggestion.leastSet(used, baseline);
            assertExact(used, baseline, suggested);
            assertThat(suggested.size()).isLessThanOrEqualTo((int) used.stream().filter(op -> !baseline.allows(op)).count());
        }
    }
}
