package org.sockwarden.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.sockwarden.proxy.testing.Docker;

/**
 * Debian's headless Chromium (scripts/test.sh installs it), started fresh for each page with its
 * own profile and nothing that reaches beyond the machine: what a person's browser would render.
 */
final class Chromium {
    private static final Path BINARY = Path.of("/usr/bin/chromium");

    private Chromium() {}

    /** Fails in CI and skips elsewhere when Chromium is not installed. */
    static void require() {
        if (!Files.isExecutable(BINARY)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(BINARY + " is missing; scripts/test.sh installs Debian's chromium");
            }
            Assumptions.abort(BINARY + " is missing (apt-get install chromium)");
        }
    }

    /** The page's DOM after it loaded, as Chromium serialises it. */
    static String dumpDom(String url) throws Exception {
        return run("--dump-dom", url);
    }

    /** Saves a PNG of the page as rendered in a 1400×1000 window. */
    static void screenshot(String url, Path png) throws Exception {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run("--screenshot=" + png.toAbsolutePath(), "--window-size=1400,1000", "--hide-scrollbars", url);
    }

    private static String run(String... args) throws Exception {
        require();
        Path profile = Docker.tempDir("sw-chromium");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = profile.resolveSibling(profile.getFileName() + ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                throw new AssertionError("chromium did not finish within 90 s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("chromium exited with " + p.exitValue() + ": " + cmd);
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            deleteTree(profile);
            Files.deleteIfExists(out);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
