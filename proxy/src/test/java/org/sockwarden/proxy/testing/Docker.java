package org.sockwarden.proxy.testing;

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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/**
 * The real docker CLI ({@code docker} on PATH) as a subprocess against one {@code DOCKER_HOST}
 * ({@code tcp://127.0.0.1:PORT} for a sockwarden, {@code unix:///…} for the engine itself).
 *
 * <p>Each instance has a fresh, empty {@code DOCKER_CONFIG} (no user contexts, proxies or
 * credential helpers), and the CLI sees none of this JVM's {@code DOCKER_*} variables
 * ({@code DOCKER_TLS_VERIFY}, {@code DOCKER_CERT_PATH}, {@code DOCKER_CONTEXT}, …) except those
 * set with {@link #env}. Every call is bounded by {@link #timeout} (60 s unless set); on timeout
 * the whole process tree is killed and the result has exit code -1.
 */
public final class Docker {

    /** What one CLI call did; {@code command} is the command line, for messages. */
    public record Result(int exitCode, String stdout, String stderr, List<String> command) {
        /** Asserts exit code 0; the failure message holds the command, stdout and stderr. */
        public Result ok() {
            if (exitCode != 0) {
                Assertions.fail(describe("failed with exit code " + exitCode));
            }
            return this;
        }

        /** Asserts a non-zero exit code; the failure message holds the command, stdout and stderr. */
        public Result failed() {
            if (exitCode == 0) {
                Assertions.fail(describe("should have failed but exited 0"));
            }
            return this;
        }

        public boolean timedOut() {
            return exitCode == TIMED_OUT;
        }

        private String describe(String what) {
            return String.join(" ", command) + " " + what + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    public static final int TIMED_OUT = -1;
    private static final List<Path> TEMP_DIRS = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> TEMP_DIRS.forEach(Docker::deleteTree)));
    }

    private final String host;
    private final Map<String, String> env = new LinkedHashMap<>();
    private volatile Duration timeout = Duration.ofSeconds(60);

    /** A CLI for {@code host}, a DOCKER_HOST value such as {@code tcp://127.0.0.1:2375} or {@code unix:///run/x.sock}. */
    public Docker(String host) {
        this.host = host;
        Path config = tempDir("sw-docker-config");
        env.put("DOCKER_CONFIG", config.toString());
        env.put("DOCKER_HOST", host);
    }

    /** A CLI for the test engine itself ({@link TestEngine#dockerHost()}; skips or fails without one). */
    public static Docker engine() {
        return new Docker(TestEngine.dockerHost());
    }

    public String host() {
        return host;
    }

    /** Sets a variable for every later call of this instance (wins over the defaults, DOCKER_HOST included). */
    public Docker env(String key, String value) {
        synchronized (env) {
            env.put(key, value);
        }
        return this;
    }

    /** Sets the hard limit for every later call of this instance. */
    public Docker timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Result run(String... args) {
        return run(null, args);
    }

    /** Runs with {@code stdin} on its standard input (null: an empty one) and collects stdout and stderr. */
    public Result run(byte[] stdin, String... args) {
        return exec(command(args), stdin, new ByteArrayOutputStream(), false);
    }

    /** Streams stdout into {@code out} (for outputs too big to hold); the Result's stdout is empty. */
    public Result runTo(OutputStream out, String... args) {
        return runTo(out, null, args);
    }

    /** Streams stdout into {@code out} with {@code stdin} on standard input; the Result's stdout is empty. */
    public Result runTo(OutputStream out, byte[] stdin, String... args) {
        return exec(command(args), stdin, out, true);
    }

    /**
     * Runs under a pseudo-terminal ({@code script -qefc "<cmd>" /dev/null}), typing {@code input}
     * into it; for {@code docker exec -it} and {@code docker run -it}. The terminal echoes the
     * input and writes CR LF line ends into stdout.
     */
    public Result runInTerminal(String input, String... args) {
        String line = String.join(" ", command(args).stream().map(Docker::shellQuote).toList());
        List<String> cmd = List.of("script", "-qefc", line, "/dev/null");
        return exec(cmd, input.getBytes(StandardCharsets.UTF_8), new ByteArrayOutputStream(), false);
    }

    private static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Result exec(List<String> cmd, byte[] stdin, OutputStream out, boolean streamed) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("DOCKER_"));
        synchronized (env) {
            e.putAll(env);
        }
        Duration limit = timeout;
        List<String> shown = new ArrayList<>(List.of("DOCKER_HOST=" + e.get("DOCKER_HOST")));
        shown.addAll(cmd);
        Process p;
        try {
            p = pb.start();
        } catch (IOException ex) {
            throw new UncheckedIOException("could not run " + String.join(" ", cmd), ex);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicReference<IOException> outFailure = new AtomicReference<>();
        Thread o = pump(p.getInputStream(), out, outFailure);
        Thread r = pump(p.getErrorStream(), err, new AtomicReference<>());
        Thread in = new Thread(() -> {
            try (OutputStream pin = p.getOutputStream()) {
                if (stdin != null) {
                    pin.write(stdin);
                }
            } catch (IOException ignored) {
                // the process may exit without reading all of its stdin
            }
        }, "docker-stdin");
        in.setDaemon(true);
        in.start();
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p);
                o.join(2_000);
                r.join(2_000);
                return new Result(TIMED_OUT, streamed ? "" : text(out), "TIMEOUT after " + limit.toMillis() + " ms\n" + text(err), shown);
            }
            // A child that outlived the CLI (it should not) could hold the pipes open: bounded join.
            o.join(limit.toMillis());
            r.join(10_000);
        } catch (InterruptedException ex) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), ex);
        }
        if (outFailure.get() != null) {
            throw new UncheckedIOException("writing the output of " + String.join(" ", cmd), outFailure.get());
        }
        return new Result(p.exitValue(), streamed ? "" : text(out), text(err), shown);
    }

    /** Kills the process and all its descendants (collected first: once it dies they are re-parented). */
    private static void killTree(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.toHandle().destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static String text(OutputStream out) {
        return out instanceof ByteArrayOutputStream b ? b.toString(StandardCharsets.UTF_8) : "";
    }

    private static Thread pump(InputStream from, OutputStream to, AtomicReference<IOException> failure) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (from) {
                int n;
                while ((n = from.read(buf)) >= 0) {
                    if (failure.get() != null) {
                        continue; // keep draining, so the process does not block on a full pipe
                    }
                    try {
                        to.write(buf, 0, n);
                    } catch (IOException ex) {
                        failure.set(ex);
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "docker-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * A new directory under /tmp (a path short enough for the unix sockets tests put in it), deleted
     * with everything in it when the test JVM exits: test runs left hundreds behind, some holding a
     * test CA's keys.
     */
    public static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix);
            TEMP_DIRS.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit
        }
    }
}
