package org.sockwarden.proxy.api;

/** How an {@link Operation} may be granted. */
public enum Access {
    /** Reveals state (a GET or HEAD): granted by the operation's section flag. */
    READ,
    /** Changes state: granted by the section flag together with the POST flag. */
    WRITE,
    /**
     * Exfiltrates data or writes while looking like a read, or is dangerous enough that no
     * section flag covers it: granted only by the operation's own fine-grained name.
     */
    EXPLICIT
}
