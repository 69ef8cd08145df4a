package org.sockwarden.proxy.forward;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * An engine answer's body kept in memory up to a cap: an owner lookup's, the start-up version probe's,
 * a refused hijack's error. The cap is what keeps an engine (or something posing as one) from filling
 * the proxy's memory through an answer it reads whole.
 */
final class BoundedBody {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int cap;

    BoundedBody(int cap) {
        this.cap = cap;
    }

    /** Keeps {@code item}'s bytes; false, keeping none of them, when they would take the body over its cap. */
    boolean add(ByteBuffer item) {
        if (bytes.size() + item.remaining() > cap) {
            return false;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        bytes.writeBytes(chunk);
        return true;
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
