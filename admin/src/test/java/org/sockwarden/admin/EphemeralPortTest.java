package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/** {@code --listen 127.0.0.1:0} takes a free port from the system; the log is the only place that says which. */
class EphemeralPortTest {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:0 \\(port (\\d+)\\) for client default");

    @Test
    void theLogNamesThePortTheSystemGave(@TempDir Path data) throws Exception {
        Path log = data.resolve("proxy.log");
        Process proxy = new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "127.0.0.1:0", "--data", data.resolve("d").toString(),
                "--docker-socket", TestEngine.socket().toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            AtomicInteger port = new AtomicInteger();
            await("the listening line", () -> {
                try {
                    Matcher m = LISTENING.matcher(Files.readString(log));
                    return m.find() && port.compareAndSet(0, Integer.parseInt(m.group(1)));
                } catch (java.io.IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(30));
            assertThat(port.get()).isPositive();
            assertThat(new Docker("tcp://127.0.0.1:" + port.get()).run("version", "--format", "{{.Server.Version}}").ok().stdout()).isNotBlank();
        } finally {
            proxy.destroyForcibly();
            proxy.waitFor();
        }
    }
}
