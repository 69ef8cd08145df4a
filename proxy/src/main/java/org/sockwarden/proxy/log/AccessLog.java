package org.sockwarden.proxy.log;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One line per request on stdout, written by its own thread so a slow terminal or pipe never
 * holds up a request. Requests only enqueue their entry: formatting happens on the writer, which
 * takes lines in batches and is woken only when it has gone to sleep on an empty queue. If the
 * queue is ever full, the count of lines lost is written as soon as there is room again, so a
 * reader always knows.
 */
public final class AccessLog implements AutoCloseable {

    public enum Format { TEXT, JSON }

    /** What one decided request looked like; {@code operation} and {@code grant} may be null. */
    public record Entry(Instant time, String listener, String client, String method, String target,
                        String operation, String decision, String grant, int status, long bytesIn, long bytesOut,
                        long durationMicros) {}

    /** Under load, lines gather this long before one write takes them all. */
    private static final long BATCH_NANOS = 5_000_000;
    private static final long SLEEP_NANOS = 200_000_000;

    private final Format format;
    private final PrintStream out;
    /** Entries and preformatted event lines. */
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean sleeping;
    private volatile boolean closed;

    public AccessLog(Format format, PrintStream out) {
        this.format = format;
        // One write per batch, not per line: under load the queue drains many lines at a time.
        this.out = new PrintStream(new java.io.BufferedOutputStream(out, 64 * 1024), false, java.nio.charset.StandardCharsets.UTF_8);
        this.writer = new Thread(this::drain, "sockwarden-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    public void log(Entry e) {
        enqueue(e);
    }

    /**
     * Non-request messages (startup, engine trouble) in the same stream and format, formatted by the
     * writer as entries are. One event is one line whatever the message holds: its control
     * characters are escaped, so a value a client chose (a certificate subject, a path) cannot start
     * a line of its own.
     */
    public void event(String level, String message) {
        enqueue(new Event(Instant.now(), level, message));
    }

    /** A non-request message as queued. */
    private record Event(Instant time, String level, String message) {}

    private void enqueue(Object line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
        if (sleeping) {
            LockSupport.unpark(writer);
        }
    }

    private void drain() {
        JsonLines json = format == Format.JSON ? new JsonLines(out) : null;
        while (true) {
            Object line;
            boolean wrote = false;
            while ((line = queue.poll()) != null) {
                write(json, line);
                wrote = true;
            }
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                write(json, new Event(Instant.now(), "WARN", "access log queue full: " + lost + " lines lost"));
            }
            out.flush();
            if (closed && queue.isEmpty()) {
                return;
            }
            if (wrote) {
                // Busy: let the next lines gather instead of being woken for each one.
                LockSupport.parkNanos(BATCH_NANOS);
                continue;
            }
            sleeping = true;
            if (queue.isEmpty() && !closed) {
                LockSupport.parkNanos(SLEEP_NANOS);
            }
            sleeping = false;
        }
    }

    /** One queued entry or event as a line of the log's format. */
    private void write(JsonLines json, Object line) {
        if (json == null) {
            out.println(line instanceof Entry e ? text(e) : text((Event) line));
            return;
        }
        try {
            if (line instanceof Entry e) {
                json.entry(e);
            } else {
                Event v = (Event) line;
                json.event(v.time(), v.level(), v.message());
            }
        } catch (IOException e) {
            // The generator writes into a PrintStream, which reports no I/O error: nothing to do but count it.
            dropped.incrementAndGet();
        }
    }

    private static String text(Event v) {
        return appendEscaped(appendInstant(new StringBuilder(), v.time()).append(' ').append(v.level()).append(' '), v.message()).toString();
    }

    static String text(Entry e) {
        StringBuilder b = new StringBuilder(160);
        appendInstant(b, e.time()).append(" listener=");
        appendEscaped(b, e.listener()).append(" client=");
        appendEscaped(b, e.client()).append(' ');
        appendEscaped(b, e.method()).append(' ');
        appendEscaped(b, e.target()).append(" op=").append(e.operation() == null ? "-" : e.operation())
                .append(' ').append(e.decision());
        if (e.grant() != null) {
            b.append('(').append(e.grant()).append(')');
        }
        b.append(" status=").append(e.status()).append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut())
                .append(" us=").append(e.durationMicros());
        return b.toString();
    }

    /** The second last formatted; lines come in time order, so most lines reuse it. */
    private record Second(long epochSecond, String text) {}

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /**
     * Appends {@code t} exactly as {@link Instant#toString()} writes it. That formatter was the
     * largest cost of a log line; here only the fraction is formatted for each line.
     */
    static StringBuilder appendInstant(StringBuilder b, Instant t) {
        long epochSecond = t.getEpochSecond();
        Second s = lastSecond;
        if (s.epochSecond() != epochSecond) {
            String whole = Instant.ofEpochSecond(epochSecond).toString();
            if (whole.length() != 20) { // a year outside 0000-9999 is written with a sign
                return b.append(t);
            }
            s = new Second(epochSecond, whole.substring(0, 19));
            lastSecond = s;
        }
        b.append(s.text());
        int nano = t.getNano();
        if (nano > 0) {
            b.append('.');
            if (nano % 1_000_000 == 0) {
                appendPadded(b, nano / 1_000_000, 100);
            } else if (nano % 1_000 == 0) {
                appendPadded(b, nano / 1_000, 100_000);
            } else {
                appendPadded(b, nano, 100_000_000);
            }
        }
        return b.append('Z');
    }

    private static void appendPadded(StringBuilder b, int value, int highestDigit) {
        for (int d = highestDigit; d > 1 && value < d; d /= 10) {
            b.append('0');
        }
        b.append(value);
    }

    /**
     * Whether a character could end or rewrite a line in a terminal, a pager or a log collector: C0
     * and C1 controls, DEL, and the Unicode line and paragraph separators.
     */
    static boolean isLineUnsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    /**
     * Appends {@code s} to a text line with every line-unsafe character written as {@code \xNN}
     * (or {@code \\uNNNN}) and the backslash doubled, so an escape in the log always came from here.
     */
    static StringBuilder appendEscaped(StringBuilder b, String s) {
        if (s == null) {
            return b.append("null");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (isLineUnsafe(c)) {
                b.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
    }
}
