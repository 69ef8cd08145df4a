package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * The compose files of examples/, brought up with Debian's docker-compose against the test engine:
 * the image built from the root Dockerfile, and the local busybox image standing in for Traefik,
 * Portainer, Watchtower, Homepage and the discovery service, each given the static docker CLI of this
 * machine to make its calls from inside its own container, over its own identity: one call it may
 * make and one it may not, per client. Only the images, the clients' commands and the engine
 * socket's path are overridden (a second -f file); networks, volumes, users and sockwarden's set-up
 * are the examples' own.
 */
class ComposeExamplesIT {

    private static final String BUSYBOX = "sockwarden-test/busybox:latest";

    @Test
    void oneSockwardenServesFiveClientsEachOverItsOwnIdentity() throws Exception {
        Project p = up("compose", List.of("traefik", "portainer", "watchtower", "homepage", "discovery"), "sockwarden");
        try {
            String tls = "--tlsverify --tlscacert /certs/ca.pem --tlscert /certs/cert.pem --tlskey /certs/key.pem -H tcp://sockwarden:2376";
            // Traefik and Portainer: their certificates on the TLS port.
            assertThat(p.dockerIn("traefik", tls + " ps --format {{.Names}}").ok()).contains(p.name + "_sockwarden_1");
            assertThat(p.dockerIn("traefik", tls + " volume ls").refused())
                    .contains("sockwarden: client \"traefik\" may not call volumes.list").contains("sockwarden grant traefik VOLUMES");
            p.dockerIn("portainer", tls + " volume ls").ok();
            assertThat(p.dockerIn("portainer", "-H tcp://sockwarden:2376 ps").refused()).as("no certificate, no answer").isNotEmpty();
            // Watchtower: its own port, on a network of its own.
            p.dockerIn("watchtower", "-H tcp://sockwarden:2377 ps").ok();
            assertThat(p.dockerIn("watchtower", "-H tcp://sockwarden:2377 volume ls").refused())
                    .contains("sockwarden: client \"watchtower\" may not call volumes.list");
            // Homepage: its own socket, as uid 1000; root in the same container is not uid 1000.
            p.dockerIn("homepage", "-H unix:///run/sockwarden/homepage.sock ps").ok();
            assertThat(p.dockerIn("homepage", "-H unix:///run/sockwarden/homepage.sock network ls").refused())
                    .contains("sockwarden: client \"homepage\" may not call networks.list");
            assertThat(p.compose("exec", "-T", "-u", "0", "homepage", "docker", "-H", "unix:///run/sockwarden/homepage.sock", "ps").refused())
                    .as("the socket admits peer uid 1000 only").isNotEmpty();
            // The discovery service: topology, read-only.
            p.dockerIn("discovery", "-H tcp://sockwarden:2378 network ls").ok();
            assertThat(p.dockerIn("discovery", "-H tcp://sockwarden:2378 volume ls").refused())
                    .contains("sockwarden: client \"discovery\" may not call volumes.list");
            // A port is its client's only from that client's network (--from): Traefik reaches it, and is refused.
            assertThat(p.dockerIn("traefik", "-H tcp://sockwarden:2377 ps").refused()).isNotEmpty();
            assertThat(p.compose("exec", "-T", "sockwarden", "sockwarden", "status").ok()).contains("health: ok")
                    .contains("-> homepage").contains("-> watchtower").contains("-> discovery");
            // A change while everything runs, as the README shows it.
            p.compose("exec", "-T", "sockwarden", "sockwarden", "grant", "traefik", "VOLUMES_LIST").ok();
            await("traefik's new grant in force", () -> p.dockerIn("traefik", tls + " volume ls").code() == 0, Duration.ofSeconds(20));
        } finally {
            p.down();
        }
    }

    @Test
    void theDropInReplacesTecnativasProxyWithTheSameEnvironment() throws Exception {
        Project p = up("drop-in", List.of("dashboard"), "docker-proxy");
        try {
            p.dockerIn("dashboard", "-H tcp://docker-proxy:2375 ps").ok();
            p.dockerIn("dashboard", "-H tcp://docker-proxy:2375 network ls").ok();
            assertThat(p.dockerIn("dashboard", "-H tcp://docker-proxy:2375 volume ls").refused())
                    .contains("sockwarden: client \"default\" may not call volumes.list").contains("set VOLUMES=1");
        } finally {
            p.down();
        }
    }

    /** Copies the example to a directory of its own, writes the override, and brings it up (bounded). */
    private static Project up(String example, List<String> clients, String proxy) throws Exception {
        String tag = TestImage.tag();
        Path docker = staticDockerCli();
        Path work = Docker.tempDir("swcompose");
        Path source = TestImage.repository().resolve("examples").resolve(example);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, work.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        // Per service, the lines of its block in the override file.
        Map<String, List<String>> override = new LinkedHashMap<>();
        if (example.equals("compose")) {
            override.put("sockwarden-setup", List.of("image: " + tag));
        }
        override.put(proxy, List.of("image: " + tag, "volumes:", "  - " + TestEngine.socket() + ":/var/run/docker.sock"));
        for (String c : clients) {
            override.put(c, List.of("image: " + BUSYBOX, "entrypoint: [\"/bin/sh\", \"-c\", \"exec sleep 900\"]",
                    "environment:", "  DOCKER_CONFIG: /tmp/docker-config", "volumes:", "  - " + docker + ":/bin/docker:ro"));
        }
        StringBuilder yaml = new StringBuilder("services:\n");
        override.forEach((service, lines) -> {
            yaml.append("  ").append(service).append(":\n");
            lines.forEach(l -> yaml.append("    ").append(l).append('\n'));
        });
        Files.writeString(work.resolve("ci.yml"), yaml);
        Project p = new Project("sw" + UUID.randomUUID().toString().substring(0, 8), work);
        p.compose("up", "-d").ok();
        await(proxy + " serving", () -> p.compose("exec", "-T", proxy, "sockwarden", "status").code == 0, Duration.ofSeconds(120));
        return p;
    }

    /** This machine's docker CLI, which must be a static binary to run in the busybox image. */
    private static Path staticDockerCli() throws Exception {
        for (String dir : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(dir, "docker");
            if (Files.isExecutable(candidate)) {
                Process ldd = new ProcessBuilder("ldd", candidate.toString()).redirectErrorStream(true).start();
                String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                ldd.waitFor(10, TimeUnit.SECONDS);
                if (out.contains("not a dynamic executable") || out.contains("statically linked")) {
                    return candidate.toRealPath();
                }
            }
        }
        throw new AssertionError("no statically linked docker CLI on the PATH (the docker 28 CLI of these machines is one)");
    }

    record Run(int code, String output) {
        String ok() {
            assertThat(code).as(output).isZero();
            return output;
        }

        String refused() {
            assertThat(code).as(output).isNotZero();
            return output;
        }
    }

    private static final class Project {
        final String name;
        final Path dir;

        Project(String name, Path dir) {
            this.name = name;
            this.dir = dir;
        }

        Run compose(String... args) {
            List<String> cmd = new ArrayList<>(List.of("docker-compose", "-p", name, "-f", "docker-compose.yml", "-f", "ci.yml"));
            cmd.addAll(List.of(args));
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
                pb.environment().put("DOCKER_HOST", "unix://" + TestEngine.socket());
                Process proc = pb.start();
                byte[] out = proc.getInputStream().readAllBytes();
                if (!proc.waitFor(5, TimeUnit.MINUTES)) {
                    proc.destroyForcibly();
                    return new Run(-1, "timed out: " + cmd);
                }
                return new Run(proc.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** The docker CLI in the service's container, as the service's user. */
        Run dockerIn(String service, String args) {
            List<String> cmd = new ArrayList<>(List.of("exec", "-T", service, "docker"));
            cmd.addAll(List.of(args.split(" ")));
            return compose(cmd.toArray(String[]::new));
        }

        void down() throws IOException {
            compose("down", "-v", "--remove-orphans", "--timeout", "5");
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
