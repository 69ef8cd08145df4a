package org.sockwarden.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Proves the fixture itself: the test engine answers, runs the local image, and the CLI helper works. */
class EngineSanityTest {

    @Test
    void pingAnswersOk() throws Exception {
        assertThat(TestEngine.ping(TestEngine.socket(), Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("OK");
    }

    @Test
    void dockerVersionReachesTheServer() {
        Docker.Result r = Docker.engine().run("version", "--format", "{{.Server.APIVersion}}").ok();
        assertThat(r.stdout().trim()).matches("1\\.\\d+");
    }

    @Test
    void runsTheLocalImage() {
        Docker docker = new Docker("unix://" + TestEngine.socket());
        Docker.Result r = docker.run("run", "--rm", "--network", "none", TestEngine.IMAGE, "echo", "hello").ok();
        assertThat(r.stdout()).isEqualTo("hello\n");
    }

    @Test
    void stdinAndStreamedStdout() {
        Docker docker = Docker.engine();
        byte[] input = "piped through cat\n".getBytes(StandardCharsets.UTF_8);
        assertThat(docker.run(input, "run", "--rm", "-i", "--network", "none", TestEngine.IMAGE, "cat").ok().stdout())
                .isEqualTo("piped through cat\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Docker.Result r = docker.runTo(out, "run", "--rm", "--network", "none", TestEngine.IMAGE, "seq", "1", "20000").ok();
        assertThat(r.stdout()).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("1\n2\n").endsWith("\n20000\n");
    }

    @Test
    void pseudoTerminal() {
        Docker.Result r = Docker.engine().runInTerminal("echo tty-$((40+2)); exit\n", "run", "-it", "--rm", "--network", "none",
                TestEngine.IMAGE, "sh").ok();
        assertThat(r.stdout()).contains("tty-42");
    }

    @Test
    void failureMessageHoldsTheOutput() {
        Docker.Result r = Docker.engine().run("inspect", "sockwarden-no-such-container").failed();
        assertThat(r.stderr()).contains("sockwarden-no-such-container");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, r::ok).getMessage())
                .contains("docker inspect sockwarden-no-such-container").contains("--- stderr:").contains(r.stderr());
    }

    @Test
    void timeoutKillsTheCli() {
        String name = "sw-sanity-timeout-" + ProcessHandle.current().pid();
        long t0 = System.nanoTime();
        Docker.Result r = Docker.engine().timeout(Duration.ofSeconds(2))
                .run("run", "--rm", "--name", name, "--network", "none", TestEngine.IMAGE, "sleep", "30");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        Docker.engine().run("rm", "-f", name);
        assertThat(r.timedOut()).as(r.stderr()).isTrue();
        assertThat(took).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void noUserConfigAndNoInheritedDockerVariables() {
        Docker.Result r = Docker.engine().run("context", "show").ok();
        assertThat(r.stdout().trim()).isEqualTo("default");
    }
}
