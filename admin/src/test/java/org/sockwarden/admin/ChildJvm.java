package org.sockwarden.admin;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command that runs sockwarden's {@code Main} in a JVM of its own, on the tests' class path. */
final class ChildJvm {

    /**
     * sqlite-jdbc unpacks its native library into the temporary directory of every JVM that loads
     * it and deletes it when that JVM exits normally; each child a test kills left a copy (1 MB, and
     * its lock file) in /tmp, found after fresh-clone CI runs. Children unpack it in the module's
     * build directory instead.
     */
    private static final Path NATIVE = Path.of(System.getProperty("user.dir"), "target", "sqlite-native");

    private ChildJvm() {}

    /** {@code java … org.sockwarden.admin.Main args…}, as a command to add to. */
    static List<String> sockwarden(String... args) {
        return sockwarden(List.of(), args);
    }

    /** The same with {@code jvmOptions} (flags, system properties) before the class. */
    static List<String> sockwarden(List<String> jvmOptions, String... args) {
        try {
            Files.createDirectories(NATIVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Dorg.sqlite.tmpdir=" + NATIVE, "org.sockwarden.admin.Main"));
        command.addAll(List.of(args));
        return command;
    }
}
