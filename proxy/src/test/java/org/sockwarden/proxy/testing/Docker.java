package org.sockwarden.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real docker CLI, run against one DOCKER_HOST with a fresh config, each call bounded in time. */
public final class Docker {

    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public Result ok() {
            assertThat(exitCode).as("%s failed (exit %d)%nstdout: %s%nstderr: %s", String.join(" ", command), exitCode,
                    stdout, stderr).isZero();
            return this;
        }

        public Result failed() {
            assertThat(exitCode).as("%s should have failed%nstdout: %s", String.join(" ", command), stdout).isNotZero();
            return this;
        }
    }

    private final String host;
    private final Map<String, String> env = new HashMap<>();
    private Duration timeout = Duration.ofSeconds(60);

    public Docker(String host) {
        this.host = host;
        try {
            env.put("DOCKER_CONFIG", Files.createTempDirectory("sw-docker-config").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Docker env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public Docker timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Result run(String... args) {
        return run(null, args);
    }

    /** Runs with {@code stdin} (null: none) and collects stdout and stderr. */
    public Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return exec(command(args), stdin, out, false);
    }

    /** Streams stdout into {@code out} (for outputs too big to hold); the Result's stdout is empty. */
    public Result runTo(OutputStream out, String... args) {
        return exec(command(args), null, out, true);
    }

    /** Runs under a pseudo-terminal ({@code script}), typing {@code input}; for {@code -it}. */
    public Result runInTerminal(String input, String... args) {
        List<String> docker = command(args);
        String line = String.join(" ", docker.stream().map(Docker::shellQuote).toList());
        List<String> cmd = List.of("script", "-qefc", line, "/dev/null");
        return exec(cmd, input.getBytes(StandardCharsets.UTF_8), new ByteArrayOutputStream(), false);
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.add("-H");
        cmd.add(host);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Result exec(List<String> cmd, byte[] stdin, OutputStream out, boolean streamed) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("DOCKER_"));
        e.putAll(env);
        try {
            Process p = pb.start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread o = pump(p.getInputStream(), out);
            Thread r = pump(p.getErrorStream(), err);
            Thread in = new Thread(() -> {
                try (OutputStream pin = p.getOutputStream()) {
                    if (stdin != null) {
                        pin.write(stdin);
                    }
                } catch (IOException ignored) {
                    // the process may exit without reading its stdin
                }
            });
            in.setDaemon(true);
            in.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                o.join(2_000);
                r.join(2_000);
                return new Result(cmd, -1, streamed ? "" : text(out), "TIMEOUT after " + timeout + "\n" + text(err));
            }
            o.join(10_000);
            r.join(10_000);
            return new Result(cmd, p.exitValue(), streamed ? "" : text(out), text(err));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static String text(OutputStream out) {
        return out instanceof ByteArrayOutputStream b ? b.toString(StandardCharsets.UTF_8) : "";
    }

    private static Thread pump(InputStream from, OutputStream to) {
        Thread t = new Thread(() -> {
            try (from) {
                from.transferTo(to);
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
