package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of examples/ are what their tools accept: docker-compose takes every compose file
 * (ComposeExamplesIT brings them up), and systemd-analyze the host's unit, with its ExecStart
 * pointed at this checkout's launcher.
 */
class ExamplesTest {

    @Test
    void dockerComposeAcceptsEveryExample() throws Exception {
        try (Stream<Path> files = Files.walk(TestImage.repository().resolve("examples"))) {
            List<Path> composeFiles = files.filter(f -> f.getFileName().toString().equals("docker-compose.yml")).sorted().toList();
            assertThat(composeFiles).extracting(f -> f.getParent().getFileName().toString()).containsExactly("compose", "drop-in", "migrate");
            for (Path f : composeFiles) {
                MigrateComposeTest.dockerComposeAccepts(f);
            }
        }
    }

    @Test
    void systemdAcceptsTheUnit(@TempDir Path tmp) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI installs systemd-analyze (scripts/test.sh): this check must run there");
            }
            Assumptions.abort("systemd-analyze is not installed");
        }
        Path unit = tmp.resolve("sockwarden.service");
        String text = Files.readString(TestImage.repository().resolve("examples/systemd/sockwarden.service"));
        assertThat(text).contains("ExecStart=/opt/sockwarden/sockwarden serve ");
        Files.writeString(unit, text.replace("/opt/sockwarden/sockwarden", TestImage.repository().resolve("sockwarden").toString()));
        Process p = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("systemd-analyze's remarks on the unit").doesNotContain("sockwarden.service");
    }
}
