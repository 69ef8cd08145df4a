package org.sockwarden.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;

class PresetsTest {

    @Test
    void everyPresetNegotiatesTheApiVersionAndNoneExfiltrates() {
        for (Presets.Preset p : Presets.all()) {
            PermissionSet s = p.permissionSet();
            assertThat(s.allows(Operation.SYSTEM_PING)).as(p.name()).isTrue();
            assertThat(s.allows(Operation.SYSTEM_VERSION)).as(p.name()).isTrue();
            if (!p.name().equals("portainer")) {
                assertThat(s.allows(Operation.CONTAINERS_ARCHIVE)).as(p.name()).isFalse();
                assertThat(s.allows(Operation.CONTAINERS_EXEC)).as(p.name()).isFalse();
                assertThat(s.allows(Operation.IMAGES_EXPORT)).as(p.name()).isFalse();
            }
        }
    }

    @Test
    void presetsOfClientsThatNeverReadTheEnvironmentRedactIt() {
        for (String name : new String[] {"traefik", "homepage", "uptime-kuma", "diun", "glances", "netdata", "discovery"}) {
            assertThat(Presets.get(name).redacted()).as(name).containsExactly(org.sockwarden.proxy.api.RedactedField.CONFIG_ENV);
        }
        // Those that read logs or manage containers may need to see what they run with.
        for (String name : new String[] {"portainer", "watchtower", "dozzle", "crowdsec"}) {
            assertThat(Presets.get(name).redacted()).as(name).isEmpty();
        }
    }

    @Test
    void presetsAreTheCallsTheClientsMake() {
        PermissionSet traefik = Presets.get("traefik").permissionSet();
        assertThat(traefik.allows(Operation.SYSTEM_EVENTS)).isTrue();
        assertThat(traefik.allows(Operation.NODES_INSPECT)).isTrue();
        assertThat(traefik.allows(Operation.CONTAINERS_LOGS)).isFalse();
        assertThat(traefik.allows(Operation.CONTAINERS_CREATE)).isFalse();
        PermissionSet watchtower = Presets.get("watchtower").permissionSet();
        assertThat(watchtower.allows(Operation.CONTAINERS_KILL)).isTrue();
        assertThat(watchtower.allows(Operation.IMAGES_CREATE)).isTrue();
        assertThat(watchtower.allows(Operation.VOLUMES_LIST)).isFalse();
        PermissionSet discovery = Presets.get("discovery").permissionSet();
        assertThat(discovery.allows(Operation.TASKS_LIST)).isTrue();
        assertThat(discovery.allows(Operation.CONTAINERS_LOGS)).isFalse();
        assertThat(discovery.allows(Operation.CONTAINERS_START)).isFalse();
    }

    @Test
    void unknownPresetNamesTheNearest() {
        assertThatThrownBy(() -> Presets.get("traefk")).hasMessageStartingWith("unknown preset traefk (did you mean traefik?); presets: traefik,");
    }
}
