package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Presets;

class CliTest {

    record Run(int exit, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The CLI in a JVM of its own, with {@code jvmOptions} (system properties) before the class; bounded to 60 s. */
    static Run child(java.util.List<String> jvmOptions, String... args) throws Exception {
        Process p = new ProcessBuilder(ChildJvm.sockwarden(jvmOptions, args)).start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sockwarden " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), out, new String(err.get(), StandardCharsets.UTF_8));
    }

    @Test
    void aStatusFileLeftByAKilledProxyIsNotARunningProxy(@TempDir Path data) throws Exception {
        assertThat(run("init", "--data=" + data).exit()).isZero();
        // As a SIGKILLed proxy leaves it. The pid is alive (this JVM's), as pid 1 is for status in a
        // container of its own beside the proxy's, so only the lock can tell.
        Files.writeString(data.resolve(StatusFile.NAME), "{\"pid\":" + ProcessHandle.current().pid()
                + ",\"started\":\"2026-01-01T00:00:00Z\",\"engine\":\"/nonexistent/docker.sock\",\"policy_version\":3,"
                + "\"healthy\":true,\"problem\":null,\"listeners\":[]}\n");
        Run r = run("status", "--data=" + data);
        assertThat(r.out()).contains("proxy: not running against this data directory").doesNotContain("policy version 3");
        assertThat(r.exit()).isEqualTo(1);
    }

    @Test
    void version() {
        Run r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).matches("sockwarden \\d+\\.\\d+\\.\\d+.*\\s*");
    }

    @Test
    void permissionsListsEveryNameWithWhatItGrants() {
        Run r = run("permissions");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("NETWORKS section: networks.list networks.inspect networks.create+POST")
                .contains("\nALLOW_RESTARTS modifier: containers.stop containers.restart containers.kill\n")
                .contains("\nCONTAINERS_ARCHIVE operation: containers.archive\n")
                .contains("\nIMAGES_PULL alias: of IMAGES_CREATE\n");
        assertThat(r.out().lines()).allMatch(l -> l.matches("[A-Z][A-Z0-9_]* (section|modifier|operation|alias):.*"));
        Run json = run("permissions", "--json");
        assertThat(json.out()).startsWith("[\n").contains("{\"name\":\"EXEC\",\"kind\":\"section\",\"grants\":[{\"operation\":\"containers.exec\",\"with\":[\"POST\"]}");
        assertThat(topLevelObjects(json.out())).isEqualTo(Permission.all().size() + Permission.aliases().size());
    }

    @Test
    void presetListJsonIsOneValidDocument() throws Exception {
        Run json = run("preset", "list", "--json");
        assertThat(json.exit()).isZero();
        assertThat(topLevelObjects(json.out())).isEqualTo(Presets.all().size());
        assertThat(run("preset", "show", "traefik", "--json").out()).startsWith("{\"name\":\"traefik\",");
    }

    /** Parses a JSON array strictly (jackson fails on anything malformed or trailing) and counts its elements. */
    private static int topLevelObjects(String text) {
        try (JsonParser p = Json.parser(text)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            int n = 0;
            while (p.nextToken() == JsonToken.START_OBJECT) {
                p.skipChildren();
                n++;
            }
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_ARRAY);
            assertThat(p.nextToken()).isNull();
            return n;
        } catch (java.io.IOException e) {
            throw new AssertionError("not valid JSON: " + text, e);
        }
    }

    @Test
    void unknownAllowNameIsAUsageErrorWithASuggestion() {
        Run r = run("serve", "--listen", "127.0.0.1:0", "--allow", "CONTAINERS,NETWROKS");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("sockwarden: unknown permission NETWROKS (did you mean NETWORKS?); `sockwarden permissions` lists them all"
                + System.lineSeparator());
    }

    @Test
    void envFileTypoIsAUsageError(@TempDir Path dir) throws Exception {
        Path env = dir.resolve("proxy.env");
        Files.writeString(env, "CONTAINERS=1\nNETWORK=1\n");
        Run r = run("serve", "--listen", "127.0.0.1:0", "--env-file", env.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(env + ":2: unknown flag NETWORK: did you mean NETWORKS?");
    }

    @Test
    void completionScriptIsGenerated() {
        Run r = run("completion");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("complete -F _complete_sockwarden").contains("import-env").contains("explain");
    }

    @Test
    void serveIsNamedInFullInItsHelp() {
        // serve builds only its own branch of the command tree; its help and errors still read as the full command.
        assertThat(run("serve", "--help").out()).startsWith("Usage: sockwarden serve [-hV]");
        assertThat(run("serve", "--bogus").err()).contains("Unknown option: '--bogus'").contains("Usage: sockwarden serve");
        assertThat(run("help", "serve").out()).startsWith("Usage: sockwarden serve [-hV]");
    }

    @Test
    void badListenAndLogFormat() {
        assertThat(run("serve", "--listen", "localhost").err()).contains("--listen \"localhost\" is not IP:PORT");
        assertThat(run("serve", "--listen", "127.0.0.1:0", "--log-format", "xml").err()).contains("--log-format must be text or json");
        assertThat(run("serve", "--no-such-option").exit()).isEqualTo(2);
        CliTest.Run zero = run("serve", "--listen", "127.0.0.1:0", "--stall-timeout", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).isEqualTo("sockwarden: --stall-timeout must be at least 1, not 0" + System.lineSeparator());
    }
}
