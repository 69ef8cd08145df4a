package org.sockwarden.proxy.guard;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image a client may use, as a pattern over normalised references: {@code docker.io/library/busybox},
 * {@code ghcr.io/acme/*}, {@code docker.io/library/alpine:3.*}. A pattern names a repository the way
 * the engine does ({@code busybox} is {@code docker.io/library/busybox}); {@code *} stands for any run
 * of characters. Without a tag or digest it admits every tag and digest of the names it matches;
 * with one, it is matched against {@code name:tag} (the tag {@code latest} when a reference has none)
 * or {@code name@digest}.
 */
public final class ImagePattern {

    private static final Pattern SYNTAX = Pattern.compile("[a-z0-9*][a-zA-Z0-9._/:@*-]*");

    private final String text;
    private final Pattern regex;

    private ImagePattern(String text) {
        check(text);
        this.text = text;
        this.regex = glob(text);
    }

    /** Refuses what no reference could match: other characters, capitals in the repository path. */
    private static void check(String text) {
        int slash = text.indexOf('/');
        int tag = text.indexOf(':', text.lastIndexOf('/') + 1);
        int end = tag >= 0 ? tag : text.indexOf('@') >= 0 ? text.indexOf('@') : text.length();
        String repository = slash < end ? text.substring(slash + 1, end) : text;
        if (!SYNTAX.matcher(text).matches() || !repository.equals(repository.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("not an image pattern: " + text
                    + " (a reference such as ghcr.io/acme/app, with * for any run of characters)");
        }
    }

    /** The normalised pattern, as the guardrails text writes it. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePattern p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }

    /** Normalises the repository part as the engine would ({@code busybox} → {@code docker.io/library/busybox}). */
    public static ImagePattern parse(String text) {
        check(text);
        if (text.startsWith("*")) {
            return new ImagePattern(text);
        }
        return new ImagePattern(ImageRefs.normalizeName(text));
    }

    private boolean hasTagOrDigest() {
        int slash = text.lastIndexOf('/');
        return text.indexOf(':', slash + 1) >= 0 || text.indexOf('@') >= 0;
    }

    /** Whether a reference normalised by {@link ImageRefs#normalize} is admitted. */
    boolean matches(ImageRefs.Ref ref) {
        String subject = hasTagOrDigest() ? ref.full() : ref.name();
        return regex.matcher(subject).matches();
    }

    private static Pattern glob(String text) {
        StringBuilder re = new StringBuilder();
        int from = 0;
        for (int star = text.indexOf('*'); star >= 0; star = text.indexOf('*', from)) {
            re.append(Pattern.quote(text.substring(from, star))).append(".*");
            from = star + 1;
        }
        re.append(Pattern.quote(text.substring(from)));
        return Pattern.compile(re.toString());
    }
}
