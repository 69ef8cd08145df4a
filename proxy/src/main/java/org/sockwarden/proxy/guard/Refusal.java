package org.sockwarden.proxy.guard;

import org.sockwarden.proxy.api.Operation;

/**
 * Thrown by the inspectors at the first thing they refuse; {@link Guard} turns it into the verdict.
 * The operation is filled in by the guard, so rules need not carry it. No stack trace: a refusal is
 * an answer, not a fault, and a client can make many.
 */
final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String field;
    final String constraint;
    final String remedy;

    private Refusal(int status, String field, String constraint, String remedy) {
        super(field + ": " + constraint, null, false, false);
        this.status = status;
        this.field = field;
        this.constraint = constraint;
        this.remedy = remedy;
    }

    /** 403: a guardrail; {@code remedy} is the guardrails item that allows it, or null. */
    static Refusal forbidden(String field, String constraint, String remedy) {
        return new Refusal(403, field, constraint, remedy);
    }

    /** 400: the engine would read it differently from how it looks, or refuse it itself. */
    static Refusal malformed(String field, String constraint) {
        return new Refusal(400, field, constraint, null);
    }

    /** 413: more body than the guard reads. */
    static Refusal tooLarge(String constraint) {
        return new Refusal(413, "body", constraint, null);
    }

    Verdict.Refuse verdict(Operation operation) {
        return new Verdict.Refuse(status, operation, field, constraint, remedy);
    }
}
