package org.sockwarden.proxy.forward;

import java.time.Duration;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.sockwarden.proxy.guard.EngineInfo;

/**
 * Which engine is behind the socket, as far as its answers say. Asked with {@code GET /version} at
 * start; read again from the {@code Server}, {@code Api-Version} and {@code Libpod-Api-Version}
 * headers of the first answer on every new engine connection, which is where a restarted or
 * replaced engine is first met (pooled connections do not outlive their engine); and unknown from
 * the moment the engine cannot be reached until one answers again. Unknown is what the guard judges
 * most strictly, as it does Podman: the proxy fails closed until it knows.
 *
 * <p>The request path pays only a volatile read for {@link #current}, and a few header lookups per
 * new engine connection.
 */
public final class EngineWatch {

    private final Consumer<EngineInfo> onChange;
    private volatile EngineInfo current = EngineInfo.UNKNOWN;

    /** @param onChange hears of each change, on the thread that saw it (the guard is swapped there, the log and status written) */
    public EngineWatch(Consumer<EngineInfo> onChange) {
        this.onChange = onChange;
    }

    public EngineInfo current() {
        return current;
    }

    /** Asks the engine at {@code connector}'s socket, waiting at most {@code timeout}; an engine that does not answer leaves it unknown. */
    public void probe(EngineConnector connector, Duration timeout) {
        EngineInfo info = EngineVersion.ask(connector.socket(), timeout);
        if (info.known()) {
            set(info);
        }
    }

    /** The headers of the first answer on a new engine connection. */
    void answered(HttpFields headers) {
        String server = headers.get(HttpHeader.SERVER);
        if (server == null) {
            return;
        }
        EngineInfo seen = EngineInfo.fromHeaders(server, headers.get("Api-Version"), headers.get("Libpod-Api-Version"));
        if (seen.known()) {
            set(seen);
        }
    }

    /** A connection to the engine failed: what answers next may be another engine. */
    public void unreachable() {
        set(EngineInfo.UNKNOWN);
    }

    private synchronized void set(EngineInfo info) {
        if (!info.equals(current)) {
            current = info;
            onChange.accept(info);
        }
    }
}
