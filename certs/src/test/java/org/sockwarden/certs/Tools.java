package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** External programs (openssl, curl, docker), each run with a bound on its time. */
final class Tools {
    private Tools() {}

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test when {@code tool} is missing, unless CI=true, where a missing tool is a failure. */
    static void require(String tool) {
        boolean present = onPath(tool);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail(tool + " is not on PATH, and CI=true forbids skipping the tests that need it");
        }
        assumeTrue(present, tool + " is not on PATH");
    }

    static Result run(Duration timeout, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("sw-tool", ".out");
        Path err = Files.createTempFile("sw-tool", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                fail(String.join(" ", cmd) + " did not end within " + timeout + "; stdout: " + Files.readString(out) + "; stderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result run(String... cmd) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(30), Map.of(), cmd);
    }

    /** Runs and insists on exit 0, showing the output otherwise. */
    static String ok(String... cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.all());
        }
        return r.all();
    }
}
