package org.sockwarden.proxy.identity;

/** How a caller was recognised: the proof it gave, for the log and for refusals. */
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
