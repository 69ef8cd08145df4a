package org.sockwarden.proxy.log;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per request on stdout, written by its own thread so a slow terminal or pipe never
 * holds up a request. If the queue is ever full, the count of lines lost is written as soon as
 * there is room again, so a reader always knows.
 */
public final class AccessLog implements AutoCloseable {

    public enum Format { TEXT, JSON }

    /** What one decided request looked like; {@code operation} and {@code grant} may be null. */
    public record Entry(Instant time, String listener, String client, String method, String target,
                        String operation, String decision, String grant, int status, long bytesIn, long bytesOut,
                        long durationMicros) {}

    private final Format format;
    private final PrintStream out;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
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
        if (!queue.offer(format == Format.JSON ? json(e) : text(e))) {
            dropped.incrementAndGet();
        }
    }

    /** Non-request messages (startup, engine trouble) in the same stream and format. */
    public void event(String level, String message) {
        String line = format == Format.JSON
                ? "{\"time\":\"" + Instant.now() + "\",\"level\":\"" + level + "\",\"message\":" + quote(message) + "}"
                : Instant.now() + " " + level + " " + message;
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private void drain() {
        try {
            while (!closed || !queue.isEmpty()) {
                String line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    out.println(line);
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    out.println(Instant.now() + " WARN access log queue full: " + lost + " lines lost");
                }
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String text(Entry e) {
        StringBuilder b = new StringBuilder(160);
        b.append(e.time()).append(" listener=").append(e.listener()).append(" client=").append(e.client())
                .append(' ').append(e.method()).append(' ').append(e.target())
                .append(" op=").append(e.operation() == null ? "-" : e.operation())
                .append(' ').append(e.decision());
        if (e.grant() != null) {
            b.append('(').append(e.grant()).append(')');
        }
        b.append(" status=").append(e.status()).append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut())
                .append(" us=").append(e.durationMicros());
        return b.toString();
    }

    static String json(Entry e) {
        return "{\"time\":\"" + e.time() + "\",\"listener\":" + quote(e.listener()) + ",\"client\":" + quote(e.client())
                + ",\"method\":" + quote(e.method()) + ",\"target\":" + quote(e.target())
                + ",\"operation\":" + quote(e.operation()) + ",\"decision\":" + quote(e.decision())
                + ",\"grant\":" + quote(e.grant()) + ",\"status\":" + e.status() + ",\"bytes_in\":" + e.bytesIn()
                + ",\"bytes_out\":" + e.bytesOut() + ",\"duration_us\":" + e.durationMicros() + "}";
    }

    /** A JSON string literal (or null). */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
    }
}
