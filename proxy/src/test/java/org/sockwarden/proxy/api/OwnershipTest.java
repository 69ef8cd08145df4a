package org.sockwarden.proxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OwnershipTest {

    @ParameterizedTest
    @EnumSource(ObjectKind.class)
    void eachKindIsInspectedByARouteOfTheCatalog(ObjectKind kind) {
        DockerApi.Binding b = DockerApi.bind("GET", DockerApi.expand(kind.inspect(), "some-name"));
        assertThat(b).isNotNull();
        assertThat(b.operation().id()).endsWith(".inspect");
        assertThat(b.variables()).containsExactly("some-name");
        assertThat(Ownership.of(b.operation())).isEqualTo(new Ownership.Target(kind, null));
        assertThat(kind.labels() != null).as("labels of its own, or a parent's").isEqualTo(kind.parent() == null);
    }

    @ParameterizedTest
    @EnumSource(Operation.class)
    void everyTargetOnThePathIsTheRoutesFirstVariable(Operation op) {
        if (Ownership.of(op) instanceof Ownership.Target t && t.parameter() == null) {
            for (DockerApi.Route r : DockerApi.routes()) {
                if (r.operation() == op) {
                    assertThat(r.template()).as(r.toString()).contains("{");
                }
            }
        }
    }

    @Test
    void whatAnOwnOnlyClientMayReach() {
        assertThat(Ownership.of(Operation.CONTAINERS_LIST)).isEqualTo(new Ownership.Listed(ObjectKind.CONTAINER));
        assertThat(Ownership.of(Operation.VOLUMES_PRUNE)).isEqualTo(new Ownership.Listed(ObjectKind.VOLUME));
        assertThat(Ownership.of(Operation.EXEC_START)).isEqualTo(new Ownership.Target(ObjectKind.EXEC, null));
        assertThat(Ownership.of(Operation.IMAGES_COMMIT)).isEqualTo(new Ownership.Target(ObjectKind.CONTAINER, "container"));
        assertThat(Ownership.of(Operation.NETWORKS_CONNECT)).isEqualTo(Ownership.Connects.CONNECTS);
        assertThat(Ownership.of(Operation.CONTAINERS_CREATE)).isEqualTo(new Ownership.Creates(ObjectKind.CONTAINER));
        assertThat(Ownership.of(Operation.SYSTEM_EVENTS)).isEqualTo(Ownership.Events.EVENTS);
        assertThat(Ownership.of(Operation.IMAGES_LIST)).isEqualTo(Ownership.Shared.SHARED);
        assertThat(Ownership.of(Operation.SYSTEM_DF)).isInstanceOf(Ownership.Unscoped.class);
        assertThat(Ownership.of(Operation.SECRETS_CREATE)).isInstanceOf(Ownership.Unscoped.class);
        // Every operation on one container by its path is checked.
        for (Operation op : Operation.values()) {
            if (op.section() == Section.CONTAINERS && op != Operation.CONTAINERS_LIST && op != Operation.CONTAINERS_PRUNE
                    && op != Operation.CONTAINERS_CREATE) {
                assertThat(Ownership.of(op)).as(op.id()).isEqualTo(new Ownership.Target(ObjectKind.CONTAINER, null));
            }
        }
    }

    @Test
    void bindAndExpandReadAndWriteTheVariablesAsTheEngineRoutesThem() {
        DockerApi.Binding greedy = DockerApi.bind("GET", "/containers/a/b/json");
        assertThat(greedy.operation()).isEqualTo(Operation.CONTAINERS_INSPECT);
        assertThat(greedy.variables()).containsExactly("a/b");
        assertThat(DockerApi.expand(greedy.template(), "x")).isEqualTo("/containers/x/json");
        DockerApi.Binding two = DockerApi.bind("DELETE", "/containers/c1/checkpoints/cp1");
        assertThat(two.operation()).isEqualTo(Operation.CONTAINERS_CHECKPOINT_DELETE);
        assertThat(two.variables()).containsExactly("c1", "cp1");
        assertThat(DockerApi.expand(two.template(), "id", "cp1")).isEqualTo("/containers/id/checkpoints/cp1");
        assertThat(DockerApi.bind("POST", "/exec/e1/start").variables()).isEqualTo(List.of("e1"));
        assertThat(DockerApi.bind("GET", "/nowhere")).isNull();
    }

    @Test
    void redactedFieldsReadAndWriteTheirTextForm() {
        assertThat(RedactedField.parse(" Config.Env  Args ")).containsExactlyInAnyOrder(RedactedField.CONFIG_ENV, RedactedField.ARGS);
        assertThat(RedactedField.text(RedactedField.parse("Args Config.Env"))).isEqualTo("Config.Env Args");
        assertThat(RedactedField.parse("")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedactedField.parse("Config.env"))
                .hasMessageContaining("unknown field Config.env").hasMessageContaining("Config.Env");
    }
}
