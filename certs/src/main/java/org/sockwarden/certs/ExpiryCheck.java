package org.sockwarden.certs;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Which certificates are expired or expire within {@link #WARNING_PERIOD}. */
public final class ExpiryCheck {
    public static final Duration WARNING_PERIOD = Duration.ofDays(14);

    public enum Status { VALID, EXPIRES_SOON, EXPIRED }

    public record Finding(X509Certificate certificate, Status status) {
        public Instant notAfter() {
            return certificate.getNotAfter().toInstant();
        }
    }

    private ExpiryCheck() {}

    /**
     * {@code notAfter} is the last valid instant (RFC 5280), so a certificate is expired only
     * after it; "within 14 days" includes the 14th day's end.
     */
    public static Status status(Instant notAfter, Clock clock) {
        Instant now = clock.instant();
        if (now.isAfter(notAfter)) {
            return Status.EXPIRED;
        }
        return notAfter.isAfter(now.plus(WARNING_PERIOD)) ? Status.VALID : Status.EXPIRES_SOON;
    }

    /** The expired and soon-expiring ones, the earliest end first; valid ones are left out. */
    public static List<Finding> check(Collection<X509Certificate> certificates, Clock clock) {
        return certificates.stream()
                .map(c -> new Finding(c, status(c.getNotAfter().toInstant(), clock)))
                .filter(f -> f.status() != Status.VALID)
                .sorted(Comparator.comparing(Finding::notAfter))
                .toList();
    }
}
