package org.sockwarden.proxy.audit;

/**
 * Where the proxy hands every decided request, and every hijacked session when it ends: the
 * audit trail and the metrics. Called on the request path (a Jetty thread, often a selector's),
 * so an implementation must not block, wait for a lock held across I/O, or throw.
 */
@FunctionalInterface
public interface AuditSink {

    /** Records nothing: no audit trail and no metrics. */
    AuditSink NONE = record -> { };

    void record(AuditRecord record);
}
