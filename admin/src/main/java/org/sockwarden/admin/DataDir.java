package org.sockwarden.admin;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data DIR}, shared by every command that touches the store. */
final class DataDir {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data directory (default: $SOCKWARDEN_DATA, else ~/.local/share/sockwarden).")
    Path data;

    Path resolve() {
        if (data != null) {
            return data;
        }
        String env = System.getenv("SOCKWARDEN_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "sockwarden");
    }
}
