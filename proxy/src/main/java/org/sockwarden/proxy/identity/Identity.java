package org.sockwarden.proxy.identity;

/** How a caller was recognised; the listener it connected to is the only proof it gave. */
public sealed interface Identity {

    String describe();

    /** Whoever connects to this listener is its client. */
    record Listener(String listener) implements Identity {
        @Override
        public String describe() {
            return "listener " + listener;
        }
    }
}
