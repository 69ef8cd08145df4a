package org.sockwarden.proxy.guard;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Image references as the engine resolves them (github.com/distribution/reference, ParseNormalizedNamed):
 * {@code busybox} is {@code docker.io/library/busybox:latest}, {@code acme/app} is
 * {@code docker.io/acme/app:latest}, {@code index.docker.io} is {@code docker.io}. The engine also
 * finds an image by ID or ID prefix when no name matches ({@code sha256:3f2a…}, {@code 3f2a}), which a
 * name pattern cannot judge: with image patterns, such references are refused.
 */
final class ImageRefs {
    private ImageRefs() {}

    /**
     * A normalised reference: {@code name} is {@code domain/path}; {@code full} adds {@code :tag} and/or
     * {@code @digest}: {@code :latest} when the reference has neither, or {@code :*} when it stands for
     * every tag (a pull without one), which only a pattern without a tag or with a {@code *} tag admits.
     */
    record Ref(String name, String full) {}

    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String HOST = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    private static final Pattern REFERENCE = Pattern.compile("((?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT
            + ")*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?");
    /** What the engine would also look up as an image ID or ID prefix. */
    private static final Pattern ID_LIKE = Pattern.compile("(?:sha256:)?[0-9a-f]+");

    static boolean isIdLike(String ref) {
        return ID_LIKE.matcher(ref).matches();
    }

    /** The normalised reference, or null when the engine would not parse it as a name. */
    static Ref normalize(String ref) {
        return normalize(ref, false);
    }

    /** @param everyTag a reference without tag or digest stands for every tag rather than {@code latest} */
    static Ref normalize(String ref, boolean everyTag) {
        Matcher m = REFERENCE.matcher(ref);
        if (!m.matches() || m.group(1).length() > 255) {
            return null;
        }
        String name = normalizeName(m.group(1));
        String tag = m.group(2);
        String digest = m.group(3);
        String defaultTag = everyTag ? ":*" : ":latest";
        String full = name + (tag != null ? ":" + tag : digest == null ? defaultTag : "") + (digest != null ? "@" + digest : "");
        return new Ref(name, full);
    }

    /** splitDockerDomain: the domain is the first component when it has a dot or colon, is localhost, or has capitals. */
    static String normalizeName(String name) {
        int slash = name.indexOf('/');
        String domain;
        String rest;
        if (slash < 0) {
            domain = "docker.io";
            rest = name;
        } else {
            String first = name.substring(0, slash);
            boolean isDomain = first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost")
                    || !first.equals(first.toLowerCase(Locale.ROOT));
            domain = isDomain ? first : "docker.io";
            rest = isDomain ? name.substring(slash + 1) : name;
        }
        if (domain.equals("index.docker.io")) {
            domain = "docker.io";
        }
        if (domain.equals("docker.io") && rest.indexOf('/') < 0) {
            rest = "library/" + rest;
        }
        return domain + "/" + rest;
    }
}
