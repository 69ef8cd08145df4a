package org.sockwarden.proxy.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * The JSON format of the access log: one object per line, written by one jackson generator that
 * the log's writer thread keeps for its whole life. Beyond what JSON requires, every character
 * that could end or rewrite a line ({@link AccessLog#isLineUnsafe}) is escaped, so a value a
 * client chose (a target, a certificate subject) can never start a line of its own.
 *
 * <p>Not thread-safe: only the writer thread uses it.
 */
final class JsonLines {

    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(new LineSafeEscapes())
            // Each line ends with its own newline; no separator between root values.
            .rootValueSeparator((SerializableString) null)
            // The log flushes once per batch, not per line; stdout is not the generator's to close.
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private final JsonGenerator g;
    /** The time of the line being written, formatted; reused, as is its copy for the generator. */
    private final StringBuilder time = new StringBuilder(40);
    private char[] timeChars = new char[40];

    JsonLines(OutputStream out) {
        try {
            this.g = FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new IllegalStateException("a generator over a stream is made without I/O", e);
        }
    }

    void entry(AccessLog.Entry e) throws IOException {
        g.writeStartObject();
        time(e.time());
        g.writeStringField("listener", e.listener());
        g.writeStringField("client", e.client());
        g.writeStringField("method", e.method());
        g.writeStringField("target", e.target());
        g.writeStringField("operation", e.operation());
        g.writeStringField("decision", e.decision());
        g.writeStringField("grant", e.grant());
        g.writeNumberField("status", e.status());
        g.writeNumberField("bytes_in", e.bytesIn());
        g.writeNumberField("bytes_out", e.bytesOut());
        g.writeNumberField("duration_us", e.durationMicros());
        endLine();
    }

    void event(Instant at, String level, String message) throws IOException {
        g.writeStartObject();
        time(at);
        g.writeStringField("level", level);
        g.writeStringField("message", message);
        endLine();
    }

    private void time(Instant t) throws IOException {
        time.setLength(0);
        AccessLog.appendInstant(time, t);
        int n = time.length();
        if (timeChars.length < n) {
            timeChars = new char[n];
        }
        time.getChars(0, n, timeChars, 0);
        g.writeFieldName("time");
        g.writeString(timeChars, 0, n);
    }

    /** Ends the object and its line, and hands both to the stream (which the log flushes per batch). */
    private void endLine() throws IOException {
        g.writeEndObject();
        g.writeRaw('\n');
        g.flush();
    }

    /**
     * JSON's own escapes, and {@code \\uNNNN} for every other character {@link AccessLog#isLineUnsafe}
     * names (DEL, the C1 controls, the Unicode line and paragraph separators).
     */
    private static final class LineSafeEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = standardAsciiEscapesForJSON();
        /** The escapes of DEL and the C1 controls, the ones a binary value brings in numbers. */
        private final SerializedString[] latin1 = new SerializedString[0x100];

        LineSafeEscapes() {
            for (char c = 0; c < 0x100; c++) {
                if (AccessLog.isLineUnsafe(c)) {
                    latin1[c] = escape(c);
                    if (c < 0x80 && ascii[c] == 0) {
                        ascii[c] = ESCAPE_CUSTOM;
                    }
                }
            }
        }

        private static SerializedString escape(char c) {
            return new SerializedString(String.format("\\u%04x", (int) c));
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x100) {
                return latin1[ch];
            }
            return ch <= 0xffff && AccessLog.isLineUnsafe((char) ch) ? escape((char) ch) : null;
        }
    }
}
