package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;

class StatusPageTest {

    @Test
    void problemsExpiringCertificatesAndAnAuditTrailThatIsOff() {
        Instant now = Instant.now();
        Directory directory = new Directory(2, List.of(new ClientConfig(new Client("default", PermissionSet.parse(List.of("PING")),
                Client.GrantAdvice.ENV_FLAGS), List.of(new ListenerAddress.Tcp("127.0.0.1", 2375)), List.of(), Set.of())));
        StoredCertificate soon = new StoredCertificate("01", "client", "ci", "ab<cd", "CN=ci", now.minusSeconds(86_400),
                now.plusSeconds(3 * 86_400), null);
        StoredCertificate later = new StoredCertificate("02", "client", "ci", "ef", "CN=ci", now, now.plusSeconds(300 * 86_400), null);
        String html = StatusPage.render(new StatusPage.View("1.0", now,
                List.of(new HealthChecks.Problem("engine", "Docker engine socket /x does not exist")), directory,
                new Snapshot(2, List.of(), List.of(soon, later), List.of()), List.of(), List.of(), "no audit trail (serve runs with --no-audit)",
                new EngineInfo("20.10.24+dfsg1", "1.41", false)));
        assertThat(html).contains("UNHEALTHY").contains("<li><b>engine</b>: Docker engine socket /x does not exist</li>")
                .contains("<td>default</td><td>enforce</td><td>port 127.0.0.1:2375</td><td><code>PING</code>")
                .contains("Requests per client: no audit trail (serve runs with --no-audit)")
                .contains("<code>ab&lt;cd</code>").doesNotContain(">ef<")
                .contains("<p id=\"learning\">none</p>")
                .contains("<span id=\"engine\">engine Docker 20.10.24+dfsg1 (API 1.41)</span>");
    }
}
