package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/** A new client can run `docker ps` with only CONTAINERS: PING and VERSION come with it unless --no-defaults. */
class DefaultGrantsTest {

    @Test
    void newClientsNegotiateTheApiVersion(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        int lean = freePort();
        int bare = freePort();
        assertThat(cli(data, "client", "add", "lean", "--listen", "127.0.0.1:" + lean, "--allow", "CONTAINERS")).isZero();
        assertThat(cli(data, "client", "add", "bare", "--listen", "127.0.0.1:" + bare, "--allow", "CONTAINERS", "--no-defaults")).isZero();
        assertThat(CliTest.run("client", "show", "lean", "--data=" + data).out()).contains("grants: CONTAINERS PING VERSION");
        assertThat(CliTest.run("client", "show", "bare", "--data=" + data).out()).contains("grants: CONTAINERS\n");

        Path log = dir.resolve("proxy.log");
        Process proxy = MultiClientTest.serve(log, "--listen", "none",
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        try {
            await("listeners", () -> MultiClientTest.accepts(lean) && MultiClientTest.accepts(bare), Duration.ofSeconds(30));
            new Docker("tcp://127.0.0.1:" + lean).run("ps").ok();
            // Without /_ping the CLI guesses its newest API version: the engine's error, not sockwarden's, is what the user sees...
            new Docker("tcp://127.0.0.1:" + bare).run("ps").failed();
            // ...so the log says what happened and how to fix it.
            await("the hint logged", () -> {
                try {
                    return Files.readString(log).contains("WARN client \"bare\" may not call system.ping (GET /_ping): Docker clients call it"
                            + " first to choose their API version, and without it the docker CLI reports the engine's \"client version ..."
                            + " is too new\" instead of this refusal; to allow it: sockwarden grant bare PING");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(5));
        } finally {
            MultiClientTest.stopProxy(proxy, log);
        }
    }
}
