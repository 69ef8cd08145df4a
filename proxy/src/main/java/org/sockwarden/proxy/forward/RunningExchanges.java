package org.sockwarden.proxy.forward;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.util.thread.Scheduler;
import org.sockwarden.proxy.identity.Directory;

/**
 * Every allowed exchange from its first byte to its end, and the policy they are decided
 * against. A policy change ({@link #apply}) or a change of the trusted CAs ({@link #reassess})
 * publishes a new {@link Epoch} first and then walks the registry, aborting each exchange the new
 * epoch refuses; an exchange registers first and then compares its own epoch with the newest
 * ({@link Exchange#register}). Between them no decision can slip past a swap. Exchanges whose
 * credential expires (a client certificate's notAfter) are swept once a second while any run.
 */
public final class RunningExchanges {

    /** One state of the policy: a new instance for each change, compared by identity. */
    public static final class Epoch {
        private final Directory directory;

        private Epoch(Directory directory) {
            this.directory = directory;
        }

        public Directory directory() {
            return directory;
        }
    }

    private static final long SWEEP_MS = 1_000;

    private final Set<Exchange> running = ConcurrentHashMap.newKeySet();
    private final Scheduler scheduler;
    private final Consumer<String> onCut;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Running exchanges whose credential can expire: while there are any, the sweep runs. */
    private final AtomicInteger expiring = new AtomicInteger();
    private volatile Epoch epoch;

    /** {@code onCut} hears, for the log, of every exchange a change or an expiry ended. */
    public RunningExchanges(Directory initial, Scheduler scheduler, Consumer<String> onCut) {
        this.epoch = new Epoch(initial);
        this.scheduler = scheduler;
        this.onCut = onCut;
    }

    /** How many running exchanges {@code which} accepts; for the metrics, counted when asked. */
    public int count(java.util.function.Predicate<Exchange> which) {
        int n = 0;
        for (Exchange x : running) {
            if (which.test(x)) {
                n++;
            }
        }
        return n;
    }

    /** The newest policy: what a new request is decided against. */
    public Epoch epoch() {
        return epoch;
    }

    /** Makes {@code next} the policy every exchange is decided against, then ends those it refuses. */
    public synchronized void apply(Directory next) {
        epoch = new Epoch(next);
        walk();
    }

    /** Something the decisions read besides the directory changed (the trusted CAs): decides every exchange again. */
    public synchronized void reassess() {
        epoch = new Epoch(epoch.directory());
        walk();
    }

    private void walk() {
        Epoch now = epoch;
        for (Exchange x : running) {
            String refusal = x.reassess(now);
            if (refusal != null) {
                cut(x, refusal);
            }
        }
    }

    private void cut(Exchange x, String why) {
        onCut.accept("ended " + x.operation().id() + " of client " + x.client() + ": " + why);
    }

    /** How many exchanges run now. */
    public int size() {
        return running.size();
    }

    void add(Exchange x) {
        running.add(x);
        if (x.validUntil() != Long.MAX_VALUE) {
            expiring.incrementAndGet();
            startSweeping();
        }
    }

    void remove(Exchange x) {
        if (running.remove(x) && x.validUntil() != Long.MAX_VALUE) {
            expiring.decrementAndGet();
        }
    }

    private void startSweeping() {
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            scheduler.schedule(this::sweep, SWEEP_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Ends the exchanges whose credential expired; runs again while any exchange has a credential that can. */
    private void sweep() {
        try {
            long now = System.currentTimeMillis();
            for (Exchange x : running) {
                long until = x.validUntil();
                if (until != Long.MAX_VALUE && now >= until) {
                    String why = "the client certificate expired at " + java.time.Instant.ofEpochMilli(until);
                    if (x.abort(new Exchange.RevokedException(why))) {
                        cut(x, why);
                    }
                }
            }
        } finally {
            sweeping.set(false);
            // An exchange added while this sweep ran found it still running and did not start another.
            if (expiring.get() > 0) {
                startSweeping();
            }
        }
    }
}
