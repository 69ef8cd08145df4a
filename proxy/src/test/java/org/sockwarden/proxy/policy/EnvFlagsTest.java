package org.sockwarden.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;

class EnvFlagsTest {

    @Test
    void defaultsAreEventsPingVersion() {
        PermissionSet s = EnvFlags.fromEnvironment(Map.of("PATH", "/usr/bin", "HOME", "/root", "CI", "true", "SHLVL", "1"));
        assertThat(s.toString()).isEqualTo("EVENTS,PING,VERSION");
        assertThat(s.allows(Operation.SYSTEM_PING)).isTrue();
        assertThat(s.allows(Operation.CONTAINERS_LIST)).isFalse();
    }

    @Test
    void flagsTurnOnAndOff() {
        PermissionSet s = EnvFlags.fromEnvironment(Map.of("CONTAINERS", "1", "POST", "true", "EVENTS", "0",
                "NETWORKS", "false", "LOG_LEVEL", "info", "DISABLE_IPV6", "1"));
        assertThat(s.allows(Operation.CONTAINERS_CREATE)).isTrue();
        assertThat(s.allows(Operation.SYSTEM_EVENTS)).isFalse();
        assertThat(s.allows(Operation.NETWORKS_LIST)).isFalse();
    }

    @Test
    void typoInEnvironmentIsAnError() {
        assertThatThrownBy(() -> EnvFlags.fromEnvironment(Map.of("NETWORK", "1")))
                .isInstanceOf(EnvFlags.InvalidFlagException.class)
                .hasMessage("unknown flag NETWORK=1: did you mean NETWORKS? (`sockwarden permissions` lists every name)");
        assertThatThrownBy(() -> EnvFlags.fromEnvironment(Map.of("CONTAINER", "true")))
                .hasMessageContaining("did you mean CONTAINERS?");
        assertThatThrownBy(() -> EnvFlags.fromEnvironment(Map.of("ALLOW_RESTART", "1")))
                .hasMessageContaining("did you mean ALLOW_RESTARTS?");
    }

    @Test
    void linuxserverAllowLogsLoads() {
        PermissionSet s = EnvFlags.fromEnvFile(List.of("ALLOW_LOGS=1", "ALLOW_START=1"), "linuxserver.env");
        assertThat(s.allows(Operation.CONTAINERS_LOGS)).isTrue();
        assertThat(s.allows(Operation.CONTAINERS_LIST)).isFalse();
        assertThat(s.allows(Operation.CONTAINERS_START)).isTrue();
    }

    @Test
    void badValueIsAnError() {
        assertThatThrownBy(() -> EnvFlags.fromEnvironment(Map.of("CONTAINERS", "yes")))
                .isInstanceOf(EnvFlags.InvalidFlagException.class)
                .hasMessage("bad value CONTAINERS=yes: use 0, 1, true or false");
    }

    @Test
    void envFileIsStrict() {
        PermissionSet s = EnvFlags.fromEnvFile(List.of("# traefik", "CONTAINERS=1", "export NETWORKS=\"1\"", "",
                "- POST=0", "LOG_LEVEL=warning"), "proxy.env");
        assertThat(s.allows(Operation.NETWORKS_LIST)).isTrue();
        assertThat(s.allows(Operation.CONTAINERS_CREATE)).isFalse();
        assertThatThrownBy(() -> EnvFlags.fromEnvFile(List.of("CONTAINERS=1", "VOLUME=1"), "proxy.env"))
                .hasMessage("proxy.env:2: unknown flag VOLUME: did you mean VOLUMES? (`sockwarden permissions` lists every name)");
        assertThatThrownBy(() -> EnvFlags.fromEnvFile(List.of("FOO_BAR_BAZ=1"), "proxy.env"))
                .hasMessage("proxy.env:1: unknown flag FOO_BAR_BAZ (`sockwarden permissions` lists every name)");
        assertThatThrownBy(() -> EnvFlags.fromEnvFile(List.of("CONTAINERS"), "proxy.env"))
                .hasMessage("proxy.env:1: expected KEY=VALUE, got: CONTAINERS");
    }
}
