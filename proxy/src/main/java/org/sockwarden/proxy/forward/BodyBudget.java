package org.sockwarden.proxy.forward;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on the memory that requests may hold at once for one purpose, shared by all of them: bytes
 * are taken before they are allocated and given back when the request no longer holds them. Taking
 * more than is left fails at once, never waits: the request that asked is refused (503), and every
 * other request keeps what it holds. A request's share is a {@link Hold}, given back whole however the
 * request ends.
 */
public final class BodyBudget {

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    public BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** A new, empty share for one request. */
    public Hold hold() {
        return new Hold();
    }

    /** One request's share: grows as its buffer does, and is given back once, by {@link #release}. */
    public final class Hold {
        private long held;
        private boolean released;

        private Hold() {}

        /** Takes {@code n} more bytes; false when the budget has not that much left, or this share was given back. */
        public synchronized boolean grow(long n) {
            if (released) {
                return false;
            }
            long now;
            do {
                now = used.get();
                if (now + n > capacity) {
                    return false;
                }
            } while (!used.compareAndSet(now, now + n));
            held += n;
            return true;
        }

        /** Gives back everything this share holds; later calls, and later growth, do nothing. */
        public synchronized void release() {
            if (!released) {
                released = true;
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
