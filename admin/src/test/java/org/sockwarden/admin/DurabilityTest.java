package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.cli;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredCertificate;
import org.sqlite.SQLiteDataSource;

/**
 * Security-relevant writes survive a crash: a revocation is on the disk before the command says
 * so, PEM files are flushed around their rename, a certificate is recorded before its key leaves
 * the process. The system calls are watched with strace on the real CLI; crashes are kill -9.
 */
class DurabilityTest {

    @TempDir
    Path dir;

    @Test
    void aCertificateWhoseRecordFailsIsNeverHandedOut() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "client", "add", "ci")).isZero();
        // The record fails as it would on a full disk or a broken database.
        sql(data, "CREATE TRIGGER refuse_record BEFORE INSERT ON certificates BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");
        Path out = dir.resolve("ci-certs");
        CliTest.Run issue = CliTest.run("cert", "issue", "ci", "--out", out.toString(), "--data=" + data);
        assertThat(issue.exit()).isEqualTo(1);
        assertThat(issue.err()).contains("disk full (test)");
        assertThat(out.resolve("key.pem")).doesNotExist();
        assertThat(out.resolve("cert.pem")).doesNotExist();
    }

    @Test
    void aCertificateThatCannotBeWrittenIsRevokedAgain() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "client", "add", "ci")).isZero();
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        CliTest.Run issue = CliTest.run("cert", "issue", "ci", "--out", notADirectory.toString(), "--data=" + data);
        assertThat(issue.exit()).isEqualTo(1);
        assertThat(issue.err()).contains("it was recorded and is revoked again, nothing was issued");
        try (Store store = Store.open(data)) {
            assertThat(store.certificates("ci")).singleElement().satisfies(c -> {
                assertThat(c.revokedAt()).isNotNull();
                assertThat(c.revokeReason()).startsWith("never handed out");
            });
        }
    }

    @Test
    void aRevocationIsOnTheDiskBeforeTheCommandSaysSo() throws Exception {
        requireStrace();
        Path data = dir.resolve("data");
        assertThat(cli(data, "client", "add", "ci")).isZero();
        assertThat(cli(data, "cert", "issue", "ci", "--out", dir.resolve("certs").toString())).isZero();
        // A proxy's watcher keeps a connection open, as here: the writer is then not the last connection,
        // so closing it does not checkpoint (which would flush the log anyway); only the commit can.
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + data.resolve(Store.FILE));
        List<String> calls;
        try (Connection watcher = ds.getConnection(); Statement s = watcher.createStatement()) {
            s.executeQuery("PRAGMA data_version").close();
            // A first commit into the log, which flushes its header even without FULL; the revocation is the next one.
            assertThat(cli(data, "grant", "ci", "PING")).isZero();
            calls = straced(data, "cert", "revoke", "ci");
        }
        int commitSync = lastIndexOf(calls, "sync\\(\\d+<" + Pattern.quote(data.resolve("sockwarden.db-wal").toString()) + ">\\)");
        int reported = lastIndexOf(calls, "write\\(1<[^>]*>, \"revoked ci serial");
        assertThat(commitSync).as("the write-ahead log is flushed at commit:\n" + String.join("\n", calls)).isNotNegative();
        assertThat(reported).as("the command reports").isGreaterThan(commitSync);
    }

    @Test
    void pemFilesAreFlushedBeforeAndAfterTheirRename() throws Exception {
        requireStrace();
        Path data = dir.resolve("data");
        assertThat(cli(data, "client", "add", "ci")).isZero();
        Path out = dir.resolve("certs");
        List<String> calls = straced(data, "cert", "issue", "ci", "--out", out.toString());
        for (String name : List.of("key.pem", "cert.pem", "ca.pem")) {
            String target = Pattern.quote(out.resolve(name).toString());
            int rename = lastIndexOf(calls, "rename(at2?)?\\(.*\"" + Pattern.quote(out.toString()) + "/\\." + Pattern.quote(name) + "\\d+\\.tmp\", .*\"" + target + "\"");
            assertThat(rename).as(name + " renamed into place:\n" + String.join("\n", calls)).isNotNegative();
            int dataSync = lastIndexOf(calls.subList(0, rename), "fsync\\(\\d+<" + Pattern.quote(out.toString()) + "/\\." + Pattern.quote(name) + "\\d+\\.tmp>\\)");
            assertThat(dataSync).as(name + ": its content flushed before the rename").isNotNegative();
            int dirSync = indexOf(calls, rename, "fsync\\(\\d+<" + Pattern.quote(out.toString()) + ">\\)");
            assertThat(dirSync).as(name + ": the directory flushed after the rename").isGreaterThan(rename);
        }
    }

    /**
     * kill -9 of `cert revoke` at points spread over its run (JVM start, store open, transaction,
     * report): whenever the command said "revoked", the revocation is in the reopened store; the
     * store always opens.
     */
    @Test
    void aKilledRevokeNeverReportsARevocationThatIsNotThere() throws Exception {
        Path data = dir.resolve("data");
        assertThat(cli(data, "client", "add", "ci")).isZero();
        int attempts = 10;
        List<String> serials = new ArrayList<>();
        for (int i = 0; i <= attempts; i++) {
            assertThat(cli(data, "cert", "issue", "ci", "--out", dir.resolve("certs-" + i).toString())).isZero();
        }
        try (Store store = Store.open(data)) {
            store.certificates("ci").forEach(c -> serials.add(c.serial()));
        }
        // One whole run, to spread the kills over the time a run takes on this machine now.
        long t0 = System.nanoTime();
        CliTest.Run whole = CliTest.child(List.of(), "cert", "revoke", serials.get(0), "--data", data.toString());
        long runMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(whole.exit()).as(whole.err()).isZero();
        int reportedAndKilled = 0;
        for (int i = 1; i <= attempts; i++) {
            String serial = serials.get(i);
            long delay = runMillis * i / attempts + (long) (Math.random() * runMillis / attempts);
            Process p = new ProcessBuilder(ChildJvm.sockwarden("cert", "revoke", serial, "--data", data.toString()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return "";
                }
            });
            boolean ended = p.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly(); // SIGKILL
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            boolean reported = out.get(30, TimeUnit.SECONDS).contains("revoked ci serial " + serial);
            try (Store store = Store.open(data)) {
                StoredCertificate c = store.certificates("ci").stream().filter(x -> x.serial().equals(serial)).findFirst().orElseThrow();
                if (reported) {
                    assertThat(c.revokedAt()).as("attempt " + i + ": reported as revoked, killed after " + delay + " ms").isNotNull();
                    reportedAndKilled += ended ? 0 : 1;
                }
            }
        }
        System.out.println("kill -9 of cert revoke: " + attempts + " attempts over a " + runMillis + " ms run, " + reportedAndKilled
                + " killed after reporting");
    }

    private static int lastIndexOf(List<String> lines, String regex) {
        Pattern p = Pattern.compile(regex);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (p.matcher(lines.get(i)).find()) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(List<String> lines, int from, String regex) {
        Pattern p = Pattern.compile(regex);
        for (int i = from; i < lines.size(); i++) {
            if (p.matcher(lines.get(i)).find()) {
                return i;
            }
        }
        return -1;
    }

    /** The CLI under strace: its flushes, renames and writes to stdout, file descriptors named by path. */
    private List<String> straced(Path data, String... args) throws Exception {
        Path trace = dir.resolve("strace-" + System.nanoTime() + ".txt");
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "signal=none", "-y", "-s", "64",
                "-e", "trace=fsync,fdatasync,rename,renameat,renameat2,write", "-o", trace.toString()));
        command.addAll(ChildJvm.sockwarden(args));
        command.addAll(List.of("--data", data.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        List<String> calls = new ArrayList<>();
        Matcher strip = Pattern.compile("^\\d+ +").matcher("");
        for (String line : Files.readAllLines(trace)) {
            if (line.contains("sync(") || line.contains("rename") || line.startsWith("write(1<", strip.reset(line).find() ? strip.end() : 0)) {
                calls.add(strip.reset(line).replaceFirst(""));
            }
        }
        return calls;
    }

    private static void sql(Path data, String statement) throws Exception {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + data.resolve(Store.FILE));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static void requireStrace() {
        if (!new File("/usr/bin/strace").canExecute()) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("scripts/test.sh installs strace; CI runs these checks");
            }
            Assumptions.abort("needs strace");
        }
    }
}
