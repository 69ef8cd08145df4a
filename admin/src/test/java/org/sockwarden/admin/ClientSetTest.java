package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredClient;

/** `client set` changes what it is told and nothing else; --clear-... removes. */
class ClientSetTest {

    @TempDir
    Path dir;

    private CliTest.Run set(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "client";
        all[1] = "set";
        all[2] = "homepage";
        System.arraycopy(args, 0, all, 3, args.length);
        all[args.length + 3] = "--data=" + dir.resolve("data");
        return CliTest.run(all);
    }

    private StoredClient homepage() {
        try (Store store = Store.open(dir.resolve("data"))) {
            return store.client("homepage");
        }
    }

    @Test
    void eachOptionChangesItsOwnPart() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run")).toRealPath();
        String fingerprint = "ab".repeat(32);
        CliTest.Run add = CliTest.run("client", "add", "homepage", "--listen", "127.0.0.1:2390", "--socket", run.resolve("a.sock").toString(),
                "--socket-mode", "0640", "--socket-owner", "0:1000", "--peer-uid", "1000", "--from", "10.0.0.0/8",
                "--cert-fingerprint", fingerprint, "--preset", "homepage", "--data=" + dir.resolve("data"));
        assertThat(add.exit()).as(add.err()).isZero();

        // A new socket: the listener, peer uids, ranges, fingerprint and grants stay; the socket keeps the client's mode and owner.
        assertThat(set("--socket", run.resolve("b.sock").toString()).exit()).isZero();
        StoredClient c = homepage();
        assertThat(c.listeners()).containsExactly(StoredClient.Listener.tcp("127.0.0.1:2390"),
                StoredClient.Listener.unix(run.resolve("b.sock").toString(), "0640", 0, 1000));
        assertThat(c.peerUids()).containsExactly(1000);
        assertThat(c.sources()).containsExactly("10.0.0.0/8");
        assertThat(c.certFingerprints()).containsExactly(fingerprint);
        assertThat(c.grants()).contains("CONTAINERS_LIST", "SYSTEM_PING", "SYSTEM_VERSION").doesNotContain("PING", "VERSION");

        // Mode and owner alone change the sockets there are, recorded exactly.
        assertThat(set("--socket-mode", "0600").exit()).isZero();
        assertThat(homepage().listeners()).contains(StoredClient.Listener.unix(run.resolve("b.sock").toString(), "0600", 0, 1000));
        assertThat(set("--socket-owner", ":2000").exit()).isZero();
        assertThat(homepage().listeners()).contains(StoredClient.Listener.unix(run.resolve("b.sock").toString(), "0600", null, 2000));
        assertThat(set("--clear-socket-owner").exit()).isZero();
        assertThat(homepage().listeners()).contains(StoredClient.Listener.unix(run.resolve("b.sock").toString(), "0600", null, null));

        // One option replaces its part only.
        assertThat(set("--from", "192.168.0.0/16", "--peer-uid", "1001").exit()).isZero();
        c = homepage();
        assertThat(c.sources()).containsExactly("192.168.0.0/16");
        assertThat(c.peerUids()).containsExactly(1001);
        assertThat(c.certFingerprints()).containsExactly(fingerprint);
        assertThat(c.listeners()).hasSize(2);

        // --clear-... removes each part.
        assertThat(set("--clear-peer-uids", "--clear-from", "--clear-cert-fingerprints").exit()).isZero();
        c = homepage();
        assertThat(c.peerUids()).isEmpty();
        assertThat(c.sources()).isEmpty();
        assertThat(c.certFingerprints()).isEmpty();
        assertThat(c.listeners()).hasSize(2);
        assertThat(set("--clear-listen").exit()).isZero();
        assertThat(homepage().listeners()).extracting(StoredClient.Listener::kind).containsExactly("unix");
        assertThat(set("--clear-sockets").exit()).isZero();
        assertThat(homepage().listeners()).isEmpty();
        assertThat(homepage().grants()).contains("CONTAINERS_LIST", "SYSTEM_PING", "SYSTEM_VERSION").doesNotContain("PING", "VERSION");

        // The JSON of a client says all of it, and is JSON.
        assertThat(set("--listen", "[::1]:2391", "--from", "::1").exit()).isZero();
        String json = CliTest.run("client", "show", "homepage", "--json", "--data=" + dir.resolve("data")).out();
        try (JsonParser p = Json.parser(json)) {
            int tokens = 0;
            while (p.nextToken() != null) {
                tokens++;
            }
            assertThat(tokens).isGreaterThan(10);
        }
        assertThat(json).contains("\"address\" : \"[::1]:2391\"").contains("\"from\" : [ \"::1/128\" ]").contains("\"cert_subjects\" : [ ]");
    }

    @Test
    void contradictionsAndEmptyChangesAreUsageErrors() {
        assertThat(CliTest.run("client", "add", "homepage", "--data=" + dir.resolve("data")).exit()).isZero();
        CliTest.Run both = set("--from", "10.0.0.0/8", "--clear-from");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--from and --clear-from contradict each other");
        CliTest.Run nothing = set();
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).contains("client set needs at least one option");
        CliTest.Run negative = set("--peer-uid", "-1");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("--peer-uid wants a uid (0 or more), not -1");
        assertThat(homepage().peerUids()).isEmpty();
        assertThat(List.of(homepage().grants().toArray())).containsExactly("PING", "VERSION");
    }
}
