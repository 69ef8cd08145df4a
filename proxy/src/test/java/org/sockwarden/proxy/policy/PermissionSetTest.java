package org.sockwarden.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Access;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Section;

class PermissionSetTest {

    private static PermissionSet set(String... names) {
        return PermissionSet.parse(List.of(names));
    }

    private static List<String> names(List<Permission> permissions) {
        return permissions.stream().map(Permission::name).toList();
    }

    @Test
    void permissionsAreEqualByWhatTheyGrant() {
        assertThat(new Permission.SectionFlag(Section.NETWORKS)).isEqualTo(new Permission.SectionFlag(Section.NETWORKS))
                .hasSameHashCodeAs(new Permission.SectionFlag(Section.NETWORKS))
                .isNotEqualTo(new Permission.SectionFlag(Section.VOLUMES));
        assertThat(new Permission.Single(Operation.NETWORKS_CONNECT)).isEqualTo(new Permission.Single(Operation.NETWORKS_CONNECT))
                .hasSameHashCodeAs(new Permission.Single(Operation.NETWORKS_CONNECT))
                .isNotEqualTo(new Permission.Single(Operation.NETWORKS_LIST))
                .isNotEqualTo(new Permission.SectionFlag(Section.NETWORKS));
        assertThat(new Permission.SectionFlag(Section.NETWORKS)).isNotEqualTo(null).isNotEqualTo(Permission.Modifier.POST);
    }

    @Test
    void sectionFlagReadsItsSection() {
        PermissionSet s = set("CONTAINERS");
        assertThat(s.grantedBy(Operation.CONTAINERS_LIST)).isEqualTo("CONTAINERS");
        assertThat(s.allows(Operation.CONTAINERS_INSPECT)).isTrue();
        assertThat(s.allows(Operation.CONTAINERS_LOGS)).isTrue();
        assertThat(s.allows(Operation.NETWORKS_LIST)).isFalse();
        assertThat(names(s.missingFor(Operation.NETWORKS_LIST))).containsExactly("NETWORKS");
    }

    @Test
    void writesNeedPostBesideTheSection() {
        assertThat(set("CONTAINERS").allows(Operation.CONTAINERS_CREATE)).isFalse();
        assertThat(names(set("CONTAINERS").missingFor(Operation.CONTAINERS_CREATE))).containsExactly("POST");
        // With nothing granted the single name is the fewest additions (and the least privilege).
        assertThat(names(set().missingFor(Operation.CONTAINERS_CREATE))).containsExactly("CONTAINERS_CREATE");
        assertThat(set("CONTAINERS", "POST").grantedBy(Operation.CONTAINERS_CREATE)).isEqualTo("CONTAINERS+POST");
        assertThat(set("POST").allows(Operation.CONTAINERS_CREATE)).isFalse();
        assertThat(set("CONTAINERS_CREATE").grantedBy(Operation.CONTAINERS_CREATE)).isEqualTo("CONTAINERS_CREATE");
    }

    @Test
    void execNeedsExecNotContainers() {
        PermissionSet s = set("CONTAINERS", "POST");
        assertThat(s.allows(Operation.CONTAINERS_EXEC)).isFalse();
        assertThat(names(s.missingFor(Operation.CONTAINERS_EXEC))).containsExactly("EXEC");
        assertThat(set("CONTAINERS", "POST", "EXEC").allows(Operation.CONTAINERS_EXEC)).isTrue();
        assertThat(set("CONTAINERS_EXEC").allows(Operation.CONTAINERS_EXEC)).isTrue();
        assertThat(set("EXEC", "POST").allows(Operation.EXEC_START)).isTrue();
    }

    @Test
    void readsThatExfiltrateNeedTheirOwnName() {
        PermissionSet everythingByFlags = set("CONTAINERS", "IMAGES", "SWARM", "POST", "DELETE", "EXEC");
        for (Operation op : List.of(Operation.CONTAINERS_ARCHIVE, Operation.CONTAINERS_ARCHIVE_PUT,
                Operation.CONTAINERS_EXPORT, Operation.CONTAINERS_ATTACH_WS, Operation.IMAGES_EXPORT,
                Operation.SWARM_UNLOCKKEY)) {
            assertThat(op.access()).as(op.id()).isEqualTo(Access.EXPLICIT);
            assertThat(everythingByFlags.allows(op)).as(op.id()).isFalse();
            assertThat(names(everythingByFlags.missingFor(op))).as(op.id()).containsExactly(op.name());
            assertThat(set(op.name()).allows(op)).as(op.id()).isTrue();
        }
    }

    @Test
    void lifecycleFlagsWorkAlone() {
        assertThat(set("ALLOW_START").grantedBy(Operation.CONTAINERS_START)).isEqualTo("ALLOW_START");
        assertThat(set("ALLOW_START").allows(Operation.CONTAINERS_STOP)).isFalse();
        assertThat(set("ALLOW_STOP").allows(Operation.CONTAINERS_STOP)).isTrue();
        assertThat(set("ALLOW_STOP").allows(Operation.CONTAINERS_KILL)).isFalse();
        PermissionSet restarts = set("ALLOW_RESTARTS");
        assertThat(restarts.allows(Operation.CONTAINERS_STOP)).isTrue();
        assertThat(restarts.allows(Operation.CONTAINERS_RESTART)).isTrue();
        assertThat(restarts.allows(Operation.CONTAINERS_KILL)).isTrue();
        assertThat(restarts.allows(Operation.CONTAINERS_START)).isFalse();
        assertThat(restarts.allows(Operation.CONTAINERS_LIST)).isFalse();
    }

    @Test
    void deleteGrantsOnlyDeletes() {
        PermissionSet s = set("CONTAINERS", "VOLUMES", "DELETE");
        assertThat(s.grantedBy(Operation.CONTAINERS_DELETE)).isEqualTo("CONTAINERS+DELETE");
        assertThat(s.allows(Operation.VOLUMES_DELETE)).isTrue();
        assertThat(s.allows(Operation.CONTAINERS_CREATE)).isFalse();
        assertThat(s.allows(Operation.NETWORKS_DELETE)).isFalse();
    }

    @Test
    void deleteWithItsSectionGrantsExactlyTheWritesWhoseEveryRouteIsADelete() {
        for (Operation op : Operation.values()) {
            if (op.access() != Access.WRITE) {
                continue;
            }
            List<String> methods = DockerApi.routes().stream().filter(r -> r.operation() == op).map(DockerApi.Route::method).toList();
            boolean onlyDeletes = !methods.isEmpty() && methods.stream().allMatch("DELETE"::equals);
            PermissionSet s = PermissionSet.of(List.of(new Permission.SectionFlag(op.section()), Permission.Modifier.DELETE));
            assertThat(s.allows(op)).as(op.id() + " " + methods).isEqualTo(onlyDeletes);
        }
        assertThat(PermissionSet.of(List.of(new Permission.SectionFlag(Section.CONTAINERS), Permission.Modifier.DELETE))
                .allows(Operation.CONTAINERS_DELETE)).isTrue();
    }

    @Test
    void everyOperationHasItsOwnNameAndIsDeniedByDefault() {
        PermissionSet none = PermissionSet.none();
        for (Operation op : Operation.values()) {
            assertThat(none.allows(op)).as(op.id()).isFalse();
            assertThat(set(op.name()).allows(op)).as(op.id()).isTrue();
            assertThat(Permission.of(op.name())).isEqualTo(new Permission.Single(op));
        }
    }

    @Test
    void aliasesAndTypos() {
        assertThat(set("IMAGES_PULL").allows(Operation.IMAGES_CREATE)).isTrue();
        assertThatThrownBy(() -> Permission.of("NETWORK"))
                .isInstanceOf(UnknownPermissionException.class)
                .hasMessage("unknown permission NETWORK (did you mean NETWORKS?); `sockwarden permissions` lists them all");
        assertThatThrownBy(() -> Permission.of("CONTIANERS")).hasMessageContaining("did you mean CONTAINERS?");
        assertThatThrownBy(() -> Permission.of("xyzzy"))
                .hasMessage("unknown permission xyzzy; `sockwarden permissions` lists them all");
        assertThat(Permission.of("POST")).isEqualTo(Permission.Modifier.POST);
    }
}
