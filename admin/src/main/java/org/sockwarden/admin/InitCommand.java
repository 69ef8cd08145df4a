package org.sockwarden.admin;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create the data directory and its database (safe to run again; serve does it on first start too).")
final class InitCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir = new DataDir();

    @Override
    public Integer call() {
        String file = StoreCommands.withStore(dataDir, s -> s.file().toString());
        System.out.println("sockwarden data in " + dataDir.resolve() + " (database " + file + ")");
        return 0;
    }
}
