package org.sockwarden.admin;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "health", mixinStandardHelpOptions = true,
        description = {"Whether the running proxy is healthy, for a container HEALTHCHECK.",
                "Asks its admin listener's /healthz: the engine answers and the policy in force is the store's.",
                "Exit code 0: healthy; 1: unhealthy, not running, or no admin listener to ask."})
final class HealthCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "The admin listener to ask (default: the one the proxy serving the data directory runs).")
    String admin;

    @Option(names = "--timeout", paramLabel = "SPAN", defaultValue = "5s", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        Duration limit = Durations.parse("--timeout", timeout);
        String address = admin;
        if (address == null) {
            Path data = dataDir.resolve();
            if (!StatusFile.proxyRunning(data)) {
                System.out.println("unhealthy: no proxy is running against " + data);
                return 1;
            }
            address = StatusFile.adminAddress(data);
            if (address == null) {
                System.out.println("unknown: the proxy serving " + data + " has no admin listener to ask (serve --admin-listen 127.0.0.1:9375)");
                return 1;
            }
        }
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + address + "/healthz").toURL().openConnection();
            c.setConnectTimeout((int) limit.toMillis());
            c.setReadTimeout((int) limit.toMillis());
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                String body = in == null ? "" : new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                System.out.print(status == 200 ? body : "unhealthy (" + status + "):\n" + body);
            }
            return status == 200 ? 0 : 1;
        } catch (IOException | IllegalArgumentException e) {
            System.out.println("unhealthy: the admin listener at " + address + " does not answer: " + e.getMessage());
            return 1;
        }
    }
}
