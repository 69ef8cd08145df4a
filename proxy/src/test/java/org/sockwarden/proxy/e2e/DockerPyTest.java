package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/** docker-py (Debian's python3-docker, as scripts/test.sh installs it) through sockwarden, for what it encodes differently from the Go CLI. */
class DockerPyTest {

    @Test
    void aNetworkWithASpaceInItsNameIsCreatedAndRemoved() throws Exception {
        // docker-py's own test_create_remove_network_with_space_in_name: DELETE /networks/<name>%20<rest>.
        String name = "sw py " + UUID.randomUUID().toString().substring(0, 6);
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), "PING", "VERSION", "NETWORKS", "POST", "DELETE")) {
            String script = "import docker, sys\n"
                    + "c = docker.DockerClient(base_url=sys.argv[1], version='1.41')\n"
                    + "n = c.networks.create(sys.argv[2])\n"
                    + "print('created', c.networks.get(sys.argv[2]).name)\n"
                    + "c.api.remove_network(sys.argv[2])\n"
                    + "print('remaining', len(c.networks.list(names=[sys.argv[2]])))\n";
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, proxy.dockerHost(), name).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as(out).isEqualTo("created " + name + "\nremaining 0\n");
            assertThat(proxy.log()).contains("DELETE /v1.41/networks/sw%20py%20");
        } finally {
            Docker.engine().run("network", "rm", name);
        }
    }
}
