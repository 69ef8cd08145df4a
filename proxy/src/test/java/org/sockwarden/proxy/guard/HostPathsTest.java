package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Symlinked prefixes, as the visible view resolves them and the hidden one cannot. */
class HostPathsTest {

    @TempDir
    Path root;

    private Refusal judge(HostPaths paths, String source, String rules) {
        try {
            paths.judgeBind("HostConfig.Binds[0]", source, Guardrails.parse(rules));
            return null;
        } catch (Refusal r) {
            return r;
        }
    }

    @Test
    void symlinksLeadingOutOfAnAllowedPathAreJudgedWhereTheyLead() throws IOException {
        Path allowed = Files.createDirectories(root.resolve("srv/ci"));
        Path secret = Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(allowed.resolve("escape"), secret);
        Files.createDirectories(allowed.resolve("data"));
        Files.createSymbolicLink(allowed.resolve("inside"), allowed.resolve("data"));
        Files.createSymbolicLink(allowed.resolve("dangling"), root.resolve("nowhere"));
        Path socketDir = Files.createDirectories(root.resolve("run"));
        Files.createSymbolicLink(allowed.resolve("sock"), socketDir);
        HostPaths visible = HostPaths.visible(socketDir.resolve("docker.sock"), root.resolve("data"));
        String rules = "bind-path=" + allowed.toRealPath();
        String base = allowed.toRealPath().toString();

        assertThat(judge(visible, base + "/data", rules)).isNull();
        assertThat(judge(visible, base + "/inside/x", rules)).isNull();
        assertThat(judge(visible, base + "/not-yet/there", rules)).as("created by the engine, under the allowed path").isNull();
        Refusal escape = judge(visible, base + "/escape", rules);
        assertThat(escape.remedy).isEqualTo("bind-path=" + secret.toRealPath());
        assertThat(escape.constraint).contains(secret.toRealPath().toString());
        assertThat(judge(visible, base + "/escape/passwd", rules).status).isEqualTo(403);
        assertThat(judge(visible, base + "/dangling", rules).constraint).contains("dangling symlink");
        assertThat(judge(visible, base + "/sock/docker.sock", rules).constraint).contains("never allowed");

        HostPaths hidden = HostPaths.hidden(socketDir.resolve("docker.sock"), root.resolve("data"));
        assertThat(judge(hidden, base + "/escape", rules)).as("the hidden view cannot see the link").isNull();
        assertThat(judge(hidden, socketDir + "/docker.sock", "bind-path=/").constraint).contains("never allowed");
    }

    @Test
    void anAllowedPathThatIsASymlinkAllowsWhereItLeads() throws IOException {
        Path real = Files.createDirectories(root.resolve("real"));
        Path link = Files.createSymbolicLink(root.resolve("link"), real);
        HostPaths visible = HostPaths.visible(root.resolve("run/docker.sock"), root.resolve("data"));
        assertThat(judge(visible, real.toRealPath() + "/x", "bind-path=" + link.toAbsolutePath())).isNull();
        assertThat(judge(visible, link.toAbsolutePath() + "/x", "bind-path=" + real.toRealPath())).isNull();
    }

    @Test
    void varRunAndRunAreOneDirectory() {
        HostPaths hidden = HostPaths.hidden(Path.of("/run/docker.sock"), Path.of("/var/lib/sockwarden"));
        assertThat(hidden.protectedDirectories()).contains("/run", "/var/run", "/var/lib/sockwarden");
        assertThat(judge(hidden, "/var/run/docker.sock", "bind-path=/").constraint).contains("never allowed");
        assertThat(judge(hidden, "/var/run/other/x", "bind-path=/").constraint).contains("never allowed");
        assertThat(judge(hidden, "/var/lib/other", "bind-path=/")).isNull();
        assertThat(judge(hidden, "relative", "bind-path=/").status).isEqualTo(400);
    }

    @Test
    void withinComparesWholeComponents() {
        assertThat(HostPaths.within("/srv/ci", "/srv/ci")).isTrue();
        assertThat(HostPaths.within("/srv/ci/a", "/srv/ci")).isTrue();
        assertThat(HostPaths.within("/srv/cix", "/srv/ci")).isFalse();
        assertThat(HostPaths.within("/anything", "/")).isTrue();
        assertThat(HostPaths.clean("//a/./b//c/")).isEqualTo("/a/b/c");
        assertThatThrownBy(() -> HostPaths.visible(Path.of("/x/docker.sock"), Path.of("/d")).judgeBind("f", "/a/../b",
                Guardrails.parse("bind-path=/"))).isInstanceOf(Refusal.class);
    }
}
