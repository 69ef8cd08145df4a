package org.sockwarden.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A tar archive made by the system's tar, the form {@code docker cp} uploads. */
public final class Tar {
    private Tar() {}

    /** The archive of {@code files} (name to content), in the order given. */
    public static byte[] of(Map<String, byte[]> files) throws IOException, InterruptedException {
        Path dir = Docker.tempDir("sw-tar");
        List<String> cmd = new ArrayList<>(List.of("tar", "cf", "-", "-C", dir.toString()));
        for (var f : files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
            cmd.add(f.getKey());
        }
        Process tar = new ProcessBuilder(cmd).start();
        byte[] archive = tar.getInputStream().readAllBytes();
        if (!tar.waitFor(30, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            throw new IOException("tar failed: " + new String(tar.getErrorStream().readAllBytes()));
        }
        return archive;
    }
}
