package org.sockwarden.admin;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A `sockwarden serve` in a process of its own with an admin listener on a free loopback port:
 * what the acceptance tests of the audit trail, metrics, health and status page drive.
 */
final class ServedProxy implements AutoCloseable {

    /** An answer of the admin listener. */
    record Answer(int status, String body) {}

    final Path data;
    final Path log;
    final Process process;
    final String admin;

    private ServedProxy(Path data, Path log, Process process, String admin) {
        this.data = data;
        this.log = log;
        this.process = process;
        this.admin = admin;
    }

    /** Starts serve on {@code data} with {@code args} (and --admin-listen 127.0.0.1:0); waits for its admin listener. */
    static ServedProxy start(Path data, Map<String, String> env, String... args) throws Exception {
        Path log = data.resolve("proxy.log");
        List<String> cmd = ChildJvm.sockwarden("serve", "--data", data.toString(), "--admin-listen", "127.0.0.1:0");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        String[] admin = new String[1];
        try {
            MultiClientTest.await("the admin listener", () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("serve exited: " + read(log));
                }
                admin[0] = StatusFile.adminAddress(data);
                return admin[0] != null;
            }, Duration.ofSeconds(30));
        } catch (RuntimeException | Error | InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
        ServedProxy proxy = new ServedProxy(data, log, p, admin[0]);
        MultiClientTest.await("ready", () -> proxy.get("/readyz").status() == 200, Duration.ofSeconds(30));
        return proxy;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String log() {
        return read(log);
    }

    String url(String path) {
        return "http://" + admin + path;
    }

    Answer get(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        }
    }

    /** /metrics, parsed by the Prometheus project's parser. */
    List<PrometheusText.Sample> metrics() throws Exception {
        Answer a = get("/metrics");
        if (a.status() != 200) {
            throw new AssertionError("/metrics answered " + a);
        }
        return PrometheusText.parse(a.body());
    }

    @Override
    public void close() throws Exception {
        MultiClientTest.stopProxy(process, log);
    }
}
