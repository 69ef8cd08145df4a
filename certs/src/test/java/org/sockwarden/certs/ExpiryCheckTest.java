package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.certs.ExpiryCheck.Status.EXPIRED;
import static org.sockwarden.certs.ExpiryCheck.Status.EXPIRES_SOON;
import static org.sockwarden.certs.ExpiryCheck.Status.VALID;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpiryCheckTest {
    @TempDir
    Path dir;

    @Test
    void boundaries() {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        assertThat(ExpiryCheck.status(now.plus(Duration.ofDays(14)).plusSeconds(1), clock)).isEqualTo(VALID);
        assertThat(ExpiryCheck.status(now.plus(Duration.ofDays(14)), clock)).isEqualTo(EXPIRES_SOON);
        assertThat(ExpiryCheck.status(now.plusSeconds(1), clock)).isEqualTo(EXPIRES_SOON);
        // notAfter is still a valid instant.
        assertThat(ExpiryCheck.status(now, clock)).isEqualTo(EXPIRES_SOON);
        assertThat(ExpiryCheck.status(now.minusMillis(1), clock)).isEqualTo(EXPIRED);
    }

    @Test
    void findsTheExpiredAndTheSoonExpiringEarliestFirst() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createOrLoad(dir);
        Instant now = Instant.now();
        IssuedCertificate fine = ca.issueClient("fine", Duration.ofDays(90));
        IssuedCertificate soon = ca.issueClient("soon", Duration.ofDays(10));
        IssuedCertificate sooner = ca.issueClient("sooner", Duration.ofDays(2));
        IssuedCertificate gone = ca.issueClient("gone", now.minus(Duration.ofDays(5)), now.minus(Duration.ofDays(1)));
        List<ExpiryCheck.Finding> findings = ExpiryCheck.check(
                List.of(fine.certificate(), soon.certificate(), gone.certificate(), sooner.certificate(), ca.certificate()), Clock.systemUTC());
        assertThat(findings).extracting(f -> f.certificate().getSubjectX500Principal().getName() + " " + f.status())
                .containsExactly("CN=gone,O=sockwarden EXPIRED", "CN=sooner,O=sockwarden EXPIRES_SOON", "CN=soon,O=sockwarden EXPIRES_SOON");
        assertThat(findings.get(0).notAfter()).isEqualTo(gone.notAfter());

        // Eighty days on, the 90-day one warns too, and the CA has years left.
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofDays(80));
        assertThat(ExpiryCheck.check(List.of(fine.certificate(), ca.certificate()), later)).singleElement()
                .satisfies(f -> assertThat(f.status()).isEqualTo(EXPIRES_SOON));
    }
}
