package org.sockwarden.admin;

import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.limit.Limit;
import picocli.CommandLine.Option;

/** The per-client limit options of {@code client add}, {@code client set} and (for the drop-in client) {@code serve}. */
final class LimitOptions {

    @Option(names = "--max-requests", paramLabel = "N|none",
            description = "At most N requests running at once that are not streams; more are answered 429 (none: no limit).")
    String maxRequests;

    @Option(names = "--max-streams", paramLabel = "N|none",
            description = "At most N streams and sessions open at once (logs, stats, wait, events, pull/push/build/load progress,"
                    + " attach, exec start, session, grpc); more are answered 429 (none: no limit).")
    String maxStreams;

    @Option(names = "--rate", paramLabel = "N/s|N/m|none",
            description = "At most N requests per second or minute, in bursts of up to N; more are answered 429 with the seconds"
                    + " until the next one is admitted (none: no limit).")
    String rate;

    boolean given() {
        return maxRequests != null || maxStreams != null || rate != null;
    }

    /** {@code limits} with the options given applied; a value that is none of the forms is a usage error naming the option. */
    ClientLimits applyTo(ClientLimits limits) {
        ClientLimits out = limits;
        out = apply(out, Limit.MAX_REQUESTS, maxRequests);
        out = apply(out, Limit.MAX_STREAMS, maxStreams);
        return apply(out, Limit.RATE, rate);
    }

    private static ClientLimits apply(ClientLimits limits, Limit limit, String value) {
        if (value == null) {
            return limits;
        }
        try {
            return limits.with(limit, value.strip());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--" + e.getMessage());
        }
    }
}
