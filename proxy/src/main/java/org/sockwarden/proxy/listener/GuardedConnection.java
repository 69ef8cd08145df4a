package org.sockwarden.proxy.listener;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.sockwarden.proxy.forward.DockerError;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.identity.PeerCredentials;

/**
 * A client's HTTP/1.1 connection under its listener's {@link Limits}: how long a request head,
 * an idle keep-alive and a stalled request may take, and how many connections a listener and a
 * client may hold.
 *
 * <p>The connector's idle timeout is the tick ({@link Limits#tickMillis}); Jetty re-arms it
 * without a timer per request. Each time it fires this connection decides by its own clocks:
 * between requests, whether the head or the keep-alive took too long; during a request, whether
 * the {@link Exchange} it serves is {@link Exchange#stalled stalled} (waiting on its client with
 * no progress, or past its deadline), which aborts it. Jetty itself never fails a request for
 * idleness here, so a request waiting on the engine is never cut. A head that trickles in a byte
 * at a time is also checked whenever bytes arrive.
 */
final class GuardedConnection extends HttpConnection {

    /** One per listener: makes its connections and counts them. */
    static final class Factory extends HttpConnectionFactory {
        private final Guard guard;
        private final String listener;
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicBoolean refusing = new AtomicBoolean();

        Factory(HttpConfiguration config, Guard guard, String listener) {
            super(config);
            this.guard = guard;
            this.listener = listener;
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            GuardedConnection c = new GuardedConnection(getHttpConfiguration(), connector, endPoint, this);
            c.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
            return configure(c, connector, endPoint);
        }

        /** Counts a new connection; false if the listener is at its cap (then it is closed, and the cap is logged once). */
        boolean opened() {
            if (open.incrementAndGet() <= guard.limits.maxConnections()) {
                refusing.set(false);
                return true;
            }
            if (refusing.compareAndSet(false, true)) {
                guard.log.accept("listener " + listener + " is at its cap of " + guard.limits.maxConnections()
                        + " open connections (--max-connections): new connections are closed until some end");
            }
            return false;
        }

        void closed() {
            open.decrementAndGet();
        }
    }

    /** What all listeners share: the limits, the log, and the count of open connections per client. */
    static final class Guard {
        private final Limits limits;
        private final Consumer<String> log;
        private final ConcurrentHashMap<String, AtomicInteger> perClient = new ConcurrentHashMap<>();

        Guard(Limits limits, Consumer<String> log) {
            this.limits = limits;
            this.log = log;
        }

        private boolean admit(String client) {
            AtomicInteger n = perClient.computeIfAbsent(client, c -> new AtomicInteger());
            if (n.incrementAndGet() <= limits.maxClientConnections()) {
                return true;
            }
            n.decrementAndGet();
            return false;
        }

        private void release(String client) {
            AtomicInteger n = perClient.get(client);
            if (n != null) {
                n.decrementAndGet();
            }
        }
    }

    private static final long UNSET = Long.MIN_VALUE;
    private static final int UNREAD_UID = Integer.MIN_VALUE;

    private final Factory factory;
    private final long tickNanos;
    private final long headNanos;
    private final long keepAliveNanos;
    private final long stallNanos;
    /** The exchange the current request runs as, if it got that far. */
    private volatile Exchange serving;
    /** When the first bytes of a head still incomplete arrived; UNSET while none is pending. */
    private volatile long headStarted = UNSET;
    /** The client this connection is counted for (its first request's), or null. */
    private volatile String client;
    /** Read once, on the first request that needs it: SO_PEERCRED costs a system call. */
    private volatile int peerUid = UNREAD_UID;
    private volatile TlsIdentity tlsIdentity;
    private volatile boolean upgraded;
    private final AtomicBoolean uncounted = new AtomicBoolean();
    // Touched only by the idle checks, which Jetty runs one at a time per connection.
    private Object quietFor;
    private long quietMark;
    private long quietSince;

    private GuardedConnection(HttpConfiguration config, Connector connector, EndPoint endPoint, Factory factory) {
        super(config, connector, endPoint);
        this.factory = factory;
        Limits limits = factory.guard.limits;
        this.tickNanos = limits.tickMillis() * 1_000_000;
        this.headNanos = limits.headTimeout().toNanos();
        this.keepAliveNanos = limits.keepAliveTimeout().toNanos();
        this.stallNanos = limits.stallTimeout().toNanos();
    }

    /** The guarded connection a request came on (every listener's connections are). */
    static GuardedConnection of(Request request) {
        return (GuardedConnection) request.getConnectionMetaData().getConnection();
    }

    /**
     * Counts this connection for {@code name} on its first request. False if that client is at its
     * cap: the caller refuses the request and the connection closes.
     */
    boolean admitClient(String name) {
        if (client != null) {
            return true;
        }
        if (!factory.guard.admit(name)) {
            return false;
        }
        client = name;
        return true;
    }

    /** The uid of the process at the other end of a unix socket; -1 if it cannot be told. */
    int peerUid() {
        int uid = peerUid;
        if (uid == UNREAD_UID) {
            uid = getEndPoint() instanceof SocketChannelEndPoint sc ? PeerCredentials.uid(sc.getChannel()) : -1;
            peerUid = uid;
        }
        return uid;
    }

    /** The client certificate chain of this TLS connection (null without one), read on its first request. */
    TlsIdentity tlsIdentity() {
        TlsIdentity id = tlsIdentity;
        if (id == null) {
            id = TlsIdentity.of(getEndPoint());
            tlsIdentity = id;
        }
        return id;
    }

    int maxClientConnections() {
        return factory.guard.limits.maxClientConnections();
    }

    /** The request now runs as {@code exchange}; it is checked for stalls until it ends. */
    void serve(Exchange exchange) {
        serving = exchange;
    }

    /**
     * {@code exchange} ended: the connection is between requests again (unless a later one already
     * took over). After a hijack, the end of its session is the end of the connection.
     */
    void served(Exchange exchange) {
        if (serving == exchange) {
            serving = null;
        }
        if (upgraded) {
            uncount();
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        if (!factory.opened()) {
            getEndPoint().close();
        }
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        // The connection goes on as a hijacked session: it stays counted until that session's exchange ends.
        upgraded = true;
        return super.onUpgradeFrom();
    }

    @Override
    public void onClose(Throwable cause) {
        if (!upgraded) {
            uncount();
        }
        super.onClose(cause);
    }

    private void uncount() {
        if (uncounted.compareAndSet(false, true)) {
            factory.closed();
            String counted = client;
            if (counted != null) {
                factory.guard.release(counted);
            }
        }
    }

    @Override
    public void onFillable() {
        long started = headStarted;
        if (started != UNSET && System.nanoTime() - started >= headNanos) {
            // A head that trickles in: its time is up however often its bytes came.
            headTimedOut();
            return;
        }
        super.onFillable();
        HttpParser parser = getParser();
        if (parser.inHeaderState() && !parser.isStart()) {
            if (headStarted == UNSET) {
                headStarted = System.nanoTime();
            }
        } else if (started != UNSET) {
            headStarted = UNSET;
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        long now = System.nanoTime();
        Exchange x = serving;
        if (x != null) {
            if (x.stalled(quiet(x, x.progress(), now), stallNanos, now)) {
                x.abort(new TimeoutException("no progress from the client for " + factory.guard.limits.stallTimeout().toSeconds()
                        + " s (--stall-timeout)"));
            }
            return false;
        }
        if (getHttpChannel().getRequest() != null) {
            return false; // a request on its way to becoming an exchange, or a refusal being written
        }
        long started = headStarted;
        if (started != UNSET) {
            if (now - started >= headNanos) {
                headTimedOut();
            }
            return false;
        }
        long quiet = quiet(this, getBytesIn(), now);
        // Nothing ever received (not even a TLS handshake's worth): nothing to answer, just close.
        return getBytesIn() == 0 ? quiet >= headNanos : quiet >= keepAliveNanos;
    }

    /**
     * How long {@code subject} has shown no progress ({@code mark} unchanged) as of {@code now}.
     * A look comes only after a whole tick without I/O, so a change seen now began a quiet period
     * at least a tick ago.
     */
    private long quiet(Object subject, long mark, long now) {
        if (subject != quietFor || mark != quietMark) {
            quietFor = subject;
            quietMark = mark;
            quietSince = now - tickNanos;
        }
        return now - quietSince;
    }

    /** 408 in Docker's error shape, then the connection closes. */
    private void headTimedOut() {
        headStarted = UNSET;
        byte[] body = DockerError.body("sockwarden: the request head did not arrive within "
                + factory.guard.limits.headTimeout().toSeconds() + " s (--head-timeout)");
        byte[] head = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        EndPoint endPoint = getEndPoint();
        endPoint.write(Callback.from(endPoint::close, failure -> endPoint.close()), ByteBuffer.wrap(head), ByteBuffer.wrap(body));
    }
}
