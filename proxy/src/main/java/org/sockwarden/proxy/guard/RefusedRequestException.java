package org.sockwarden.proxy.guard;

/**
 * A query or body that the readers of this package refuse outside {@link Guard#inspect}: what the
 * owner checks of own-only clients read ({@link OwnerQueries}, {@link References}) is read the way the
 * engine reads it, and refused as the guard refuses, with the same {@link Verdict.Refuse}.
 */
public final class RefusedRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Verdict.Refuse verdict;

    RefusedRequestException(Verdict.Refuse verdict) {
        super(verdict.field() + ": " + verdict.constraint(), null, false, false);
        this.verdict = verdict;
    }

    public Verdict.Refuse verdict() {
        return verdict;
    }
}
