package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/** CONTAINERS=1 and the defaults: reads work, everything else is refused with the fix, and the engine is untouched. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadOnlyTest {

    private TestProxy proxy;
    private Docker docker;
    private Docker direct;
    private final String prefix = "sw-ro-" + UUID.randomUUID().toString().substring(0, 6);
    private String worker;

    @BeforeAll
    void start() throws Exception {
        proxy = TestProxy.start(TestEngine.socket(), EnvFlags.fromEnvironment(Map.of("CONTAINERS", "1")));
        docker = new Docker(proxy.dockerHost());
        direct = new Docker(TestEngine.dockerHost());
        worker = prefix + "-worker";
        direct.run("run", "-d", "--name", worker, "--network", "none", TestEngine.IMAGE, "sleep", "600").ok();
    }

    @AfterAll
    void stop() throws Exception {
        if (direct != null) {
            direct.run("rm", "-f", worker);
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private String containerNames() {
        return direct.run("ps", "-a", "--format", "{{.Names}}").ok().stdout();
    }

    @Test
    void psWorks() {
        assertThat(docker.run("ps", "--format", "{{.Names}}").ok().stdout()).contains(worker);
        assertThat(docker.run("logs", worker).ok().exitCode()).isZero();
    }

    @Test
    void runIsRefusedAndCreatesNothing() {
        String before = containerNames();
        Docker.Result r = docker.run("run", "--rm", "--network", "none", "--name", prefix + "-no", TestEngine.IMAGE, "true").failed();
        assertThat(r.stderr()).contains("sockwarden: client \"default\" may not call containers.create (POST /v1.")
                .contains("/containers/create needs POST); to allow it: set POST=1");
        assertThat(containerNames()).isEqualTo(before).doesNotContain(prefix + "-no");
    }

    @Test
    void networkLsIsRefused() {
        Docker.Result r = docker.run("network", "ls").failed();
        assertThat(r.stderr()).contains("may not call networks.list (GET /v1.").contains("/networks needs NETWORKS); to allow it: set NETWORKS=1");
    }

    @Test
    void execIsRefusedAndNoExecIsCreated() {
        Docker.Result r = docker.run("exec", worker, "touch", "/tmp/should-not-exist").failed();
        assertThat(r.stderr()).contains("may not call containers.exec").contains("to allow it: set CONTAINERS_EXEC=1");
        assertThat(direct.run("inspect", "--format", "{{len .ExecIDs}}", worker).ok().stdout().trim()).isEqualTo("0");
        assertThat(direct.run("exec", worker, "ls", "/tmp").ok().stdout()).doesNotContain("should-not-exist");
    }

    @Test
    void copyOutIsRefusedThoughItIsAGet() {
        Docker.Result r = docker.run("cp", worker + ":/etc/passwd", Docker.tempDir("sw-ro").toString()).failed();
        assertThat(r.stderr()).contains("may not call containers.archive").contains("which no section flag grants")
                .contains("set CONTAINERS_ARCHIVE=1");
    }

    @Test
    void stopIsRefusedAndTheContainerRuns() {
        docker.run("stop", "-t", "1", worker).failed();
        assertThat(direct.run("inspect", "--format", "{{.State.Running}}", worker).ok().stdout().trim()).isEqualTo("true");
    }
}
