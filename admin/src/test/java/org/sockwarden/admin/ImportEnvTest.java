package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.store.Store;

/** An env file imported into the store decides every operation exactly as the drop-in mode does with it. */
class ImportEnvTest {

    @Test
    void sameDecisionsAsTheDropInModeForEveryOperation(@TempDir Path dir) throws Exception {
        Path env = dir.resolve("proxy.env");
        Files.writeString(env, """
                # a typical tecnativa/linuxserver setup for Portainer-light use
                CONTAINERS=1
                IMAGES=1
                NETWORKS=1
                VOLUMES=1
                INFO=1
                POST=1
                ALLOW_START=1
                ALLOW_STOP=1
                ALLOW_RESTARTS=1
                EXEC=0
                EVENTS=1
                LOG_LEVEL=info
                """);
        Path data = dir.resolve("data");
        assertThat(CliTest.run("import-env", "legacy", "--env-file", env.toString(), "--data=" + data).exit()).isZero();
        PermissionSet dropIn = EnvFlags.fromEnvFile(Files.readAllLines(env), env.toString());
        PermissionSet imported;
        try (Store store = Store.open(data)) {
            ClientConfig c = DirectoryCompiler.config(store.client("legacy"), List.of(), new DirectoryCompiler.Surroundings(data,
                    data.resolve("docker.sock"), List.of(), java.util.Set.of(), List.of()), w -> { throw new AssertionError(w); });
            assertThat(c.problems()).isEmpty();
            imported = c.client().permissions();
        }
        for (Operation op : Operation.values()) {
            assertThat(imported.allows(op)).as(op.id()).isEqualTo(dropIn.allows(op));
        }
        assertThat(imported.allows(Operation.CONTAINERS_CREATE)).isTrue();
        assertThat(imported.allows(Operation.CONTAINERS_EXEC)).isFalse();
        assertThat(List.of(Operation.values())).hasSizeGreaterThan(100);
    }
}
