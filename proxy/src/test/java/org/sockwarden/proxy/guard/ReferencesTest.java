package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.guard.References.Reference;

class ReferencesTest {

    private static References.Reach of(Operation op, String body) {
        return References.of(op, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCreateBodyNamesContainersNetworksAndVolumes() {
        References.Reach r = of(Operation.CONTAINERS_CREATE, "{\"Image\":\"x\",\"hostconfig\":{"
                + "\"NetworkMode\":\"container:web\",\"pidmode\":\"Container:db\",\"IpcMode\":\"shareable\","
                + "\"VolumesFrom\":[\"data:ro\"],\"Links\":[\"/cache:c\"],"
                + "\"Binds\":[\"/srv:/srv:ro\",\"vol:/v\",\"/anon\",\"named:/n:rw\"],"
                + "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"m1\",\"Target\":\"/m\"},{\"Type\":\"volume\",\"Target\":\"/anon\"},"
                + "{\"Type\":\"bind\",\"Source\":\"/h\",\"Target\":\"/h\"}]},"
                + "\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{},\"backend\":{\"Links\":[\"api:a\"]}}}}");
        assertThat(r.name()).isEmpty();
        assertThat(r.references()).containsExactly(
                new Reference(ObjectKind.CONTAINER, "HostConfig.NetworkMode", "web"),
                new Reference(ObjectKind.CONTAINER, "HostConfig.PidMode", "db"),
                new Reference(ObjectKind.CONTAINER, "HostConfig.VolumesFrom[0]", "data"),
                new Reference(ObjectKind.CONTAINER, "HostConfig.Links[0]", "/cache"),
                new Reference(ObjectKind.VOLUME, "HostConfig.Binds[1]", "vol"),
                new Reference(ObjectKind.VOLUME, "HostConfig.Binds[3]", "named"),
                new Reference(ObjectKind.VOLUME, "HostConfig.Mounts[0].Source", "m1"),
                new Reference(ObjectKind.NETWORK, "NetworkingConfig.EndpointsConfig.backend", "backend"),
                new Reference(ObjectKind.CONTAINER, "NetworkingConfig.EndpointsConfig.backend.Links[0]", "api"));
        assertThat(of(Operation.CONTAINERS_CREATE, "{\"HostConfig\":{\"NetworkMode\":\"my-net\"}}").references())
                .containsExactly(new Reference(ObjectKind.NETWORK, "HostConfig.NetworkMode", "my-net"));
        for (String mode : new String[] {"", "default", "bridge", "host", "none"}) {
            assertThat(of(Operation.CONTAINERS_CREATE, "{\"HostConfig\":{\"NetworkMode\":\"" + mode + "\"}}").references()).isEmpty();
        }
        assertThat(of(Operation.CONTAINERS_CREATE, null).references()).isEmpty();
    }

    @Test
    void bodiesTheEngineWouldReadDifferentlyAreRefused() {
        for (String bad : new String[] {"{\"VolumesFrom\":[\"x\"]}", "{\"HostConfig\":{},\"hostConfig\":{}}", "{\"HostConfig\":{\"Links\":\"x\"}}",
                "{\"Hoſtconfig\":{}}", "{} x"}) {
            assertThatThrownBy(() -> of(Operation.CONTAINERS_CREATE, bad)).as(bad).isInstanceOf(RefusedRequestException.class);
        }
    }

    @Test
    void otherBodies() {
        assertThat(of(Operation.NETWORKS_CREATE, "{\"Name\":\"n\",\"ConfigFrom\":{\"Network\":\"cfg\"}}"))
                .isEqualTo(new References.Reach("n", java.util.List.of(new Reference(ObjectKind.NETWORK, "ConfigFrom.Network", "cfg"))));
        assertThat(of(Operation.VOLUMES_CREATE, "{\"name\":\"v\"}").name()).isEqualTo("v");
        assertThat(of(Operation.VOLUMES_CREATE, null).name()).isEmpty();
        assertThat(of(Operation.NETWORKS_CONNECT, "{\"container\":\"c\",\"EndpointConfig\":{\"Links\":[\"d:e\"]}}").references())
                .containsExactly(new Reference(ObjectKind.CONTAINER, "Container", "c"),
                        new Reference(ObjectKind.CONTAINER, "EndpointConfig.Links[0]", "d"));
        assertThat(of(Operation.NETWORKS_DISCONNECT, "{\"Container\":\"c\",\"Force\":true}").references())
                .containsExactly(new Reference(ObjectKind.CONTAINER, "Container", "c"));
    }
}
