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
                "Without an admin listener, the running proxy's status file and a /_ping of its engine say the same.",
                "Exit code 0: healthy; 1: unhealthy or not running."})
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
            StatusFile.Running running = StatusFile.read(data).orElse(null);
            if (running == null) {
                System.out.println("unhealthy: the proxy serving " + data + " has written no readable status yet");
                return 1;
            }
            if (running.admin() == null) {
                return withoutAdminListener(running, limit);
            }
            address = running.admin();
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

    /**
     * A proxy without an admin listener (an image run with its own command, say) is judged on what
     * /healthz checks, read another way: the policy from its status file, the engine by a /_ping of
     * the socket it serves.
     */
    private static int withoutAdminListener(StatusFile.Running running, Duration limit) {
        if (!running.healthy()) {
            System.out.println("unhealthy:\npolicy: " + running.problem());
            return 1;
        }
        String engine = EngineProbe.ping(Path.of(running.engine()), limit);
        if (engine != null) {
            System.out.println("unhealthy:\nengine: " + engine);
            return 1;
        }
        System.out.println("ok (no admin listener: the status file and the engine's /_ping)");
        return 0;
    }
}
