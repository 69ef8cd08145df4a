package org.sockwarden.admin;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.StoreException;

/**
 * Writes the audit trail from a bounded queue on a thread of its own, in one transaction per
 * batch, and enforces retention between batches. The request path only enqueues (lock-free; no
 * disk, no SQLite): when the queue is full, or the file cannot be written, records are dropped and
 * counted, the count is logged, and the proxy serves on.
 */
final class AuditWriter implements AuditSink, AutoCloseable {

    /** Why records were lost; the metrics' {@code reason} label. */
    enum Drop {
        QUEUE_FULL("queue_full"), WRITE_FAILED("write_failed");

        final String label;

        Drop(String label) {
            this.label = label;
        }
    }

    static final int CAPACITY = 65_536;
    private static final int BATCH = 2_000;
    /** Under load, records gather this long before one transaction takes them all. */
    private static final long GATHER_NANOS = 50_000_000;
    private static final long SLEEP_NANOS = 500_000_000;
    private static final long REOPEN_NANOS = 2_000_000_000L;
    private static final long REPORT_NANOS = 10_000_000_000L;
    private static final long RETENTION_NANOS = 1_000_000_000L;
    /**
     * Batches (of up to 2,000 records each) one retention delete takes: short transactions, so the
     * next batch never waits long, and at the row limit many times what the writer adds in a round.
     */
    private static final int DELETE_CHUNK = 500;
    private static final int CHUNKS_PER_ROUND = 10;

    private final Path dataDir;
    private final Duration retention;
    private final long maxRows;
    private final AccessLog log;
    private final int capacity;
    private final ConcurrentLinkedQueue<AuditRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder droppedFull = new LongAdder();
    private final AtomicLong droppedFailed = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closed;
    private volatile String problem;

    // Used by the writer thread only.
    private AuditStore store;
    private long nextOpen = System.nanoTime();
    private long nextRetention;
    private long nextReport = System.nanoTime() + REPORT_NANOS;
    private long reportedFull;
    private long reportedFailed;

    AuditWriter(Path dataDir, Duration retention, long maxRows, AccessLog log) {
        this(dataDir, retention, maxRows, log, CAPACITY);
    }

    AuditWriter(Path dataDir, Duration retention, long maxRows, AccessLog log, int capacity) {
        this.dataDir = dataDir;
        this.retention = retention;
        this.maxRows = maxRows;
        this.log = log;
        this.capacity = capacity;
        this.thread = new Thread(this::run, "sockwarden-audit");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void record(AuditRecord record) {
        if (closed) {
            // An exchange that ended after the proxy stopped: nothing writes any more.
            droppedFailed.incrementAndGet();
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            droppedFull.increment();
            return;
        }
        queue.offer(record);
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    /** Records waiting to be written. */
    int depth() {
        return Math.max(0, queued.get());
    }

    long dropped(Drop reason) {
        return reason == Drop.QUEUE_FULL ? droppedFull.sum() : droppedFailed.get();
    }

    long written() {
        return written.get();
    }

    /** Why records are being dropped now, or null while they are written. */
    String problem() {
        return problem;
    }

    Path file() {
        return dataDir.resolve(AuditStore.FILE);
    }

    private void run() {
        List<AuditEntry> batch = new ArrayList<>(BATCH);
        while (true) {
            AuditRecord r;
            while (batch.size() < BATCH && (r = queue.poll()) != null) {
                queued.decrementAndGet();
                batch.add(entry(r));
            }
            boolean full = batch.size() == BATCH;
            boolean wrote = !batch.isEmpty();
            if (wrote) {
                write(batch);
                batch.clear();
            }
            enforceRetention();
            report(false);
            if (closed && queue.isEmpty()) {
                break;
            }
            if (full) {
                continue;
            }
            if (wrote) {
                // Busy: let the next records gather instead of one transaction each.
                LockSupport.parkNanos(GATHER_NANOS);
                continue;
            }
            sleeping = true;
            if (queue.isEmpty() && !closed) {
                LockSupport.parkNanos(SLEEP_NANOS);
            }
            sleeping = false;
        }
        report(true);
        if (store != null) {
            store.close();
        }
    }

    static AuditEntry entry(AuditRecord r) {
        return new AuditEntry(0, r.time(), r.client(), r.identityKind().text(), r.identity(), r.remoteHost(), r.remotePort(),
                r.method(), r.target(), r.operation() == null ? null : r.operation().id(), r.verdict().text(), r.decidedBy(), r.guardrail(),
                r.status(), r.bytesIn(), r.bytesOut(), r.durationMicros());
    }

    private void write(List<AuditEntry> batch) {
        if (!open()) {
            droppedFailed.addAndGet(batch.size());
            return;
        }
        try {
            store.append(batch);
            written.addAndGet(batch.size());
            if (problem != null) {
                log.event("INFO", "audit trail: writing to " + store.file() + " again");
                problem = null;
            }
        } catch (StoreException e) {
            droppedFailed.addAndGet(batch.size());
            failed(e);
        }
    }

    /** The store, opened (again) at most every two seconds after a failure. */
    private boolean open() {
        if (store != null) {
            return true;
        }
        if (System.nanoTime() - nextOpen < 0) {
            return false;
        }
        try {
            store = AuditStore.open(dataDir);
            nextRetention = System.nanoTime();
            return true;
        } catch (StoreException e) {
            failed(e);
            return false;
        }
    }

    private void failed(StoreException e) {
        if (store != null) {
            store.close();
            store = null;
        }
        nextOpen = System.nanoTime() + REOPEN_NANOS;
        if (!e.getMessage().equals(problem)) {
            problem = e.getMessage();
            log.event("ERROR", "audit trail: cannot write to " + file() + ": " + problem
                    + "; audit records are dropped (and counted) until it is writable again");
        }
    }

    /**
     * Oldest rows beyond --audit-max-rows, then rows older than --audit-retention, a few chunks per
     * round: this file has no other writer, so only this thread's own next batch ever waits for it.
     */
    private void enforceRetention() {
        if (store == null || System.nanoTime() - nextRetention < 0) {
            return;
        }
        nextRetention = System.nanoTime() + RETENTION_NANOS;
        try {
            Instant cutoff = Instant.now().minus(retention);
            // A full chunk means more may be left; what a round leaves, the next takes.
            int chunks = 1;
            while (store.deleteBeyond(maxRows, DELETE_CHUNK) == DELETE_CHUNK && chunks < CHUNKS_PER_ROUND) {
                chunks++;
            }
            while (chunks < CHUNKS_PER_ROUND && store.deleteOlderThan(cutoff, DELETE_CHUNK) == DELETE_CHUNK) {
                chunks++;
            }
        } catch (StoreException e) {
            failed(e);
        }
    }

    /** Lost records are never silent: a line at most every ten seconds while they are being lost, and at the end. */
    private void report(boolean last) {
        if (!last && System.nanoTime() - nextReport < 0) {
            return;
        }
        nextReport = System.nanoTime() + REPORT_NANOS;
        long full = droppedFull.sum();
        long failed = droppedFailed.get();
        if (full == reportedFull && failed == reportedFailed) {
            return;
        }
        log.event("WARN", "audit trail: " + ((full - reportedFull) + (failed - reportedFailed)) + " records dropped ("
                + (full - reportedFull) + " with the queue full, " + (failed - reportedFailed) + " not writable); "
                + (full + failed) + " since start");
        reportedFull = full;
        reportedFailed = failed;
    }

    /** Writes what is queued (bounded by a few seconds), then stops. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
