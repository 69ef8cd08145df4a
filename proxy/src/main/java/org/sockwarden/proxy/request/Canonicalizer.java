package org.sockwarden.proxy.request;

import org.sockwarden.proxy.api.DockerApi;

/**
 * Turns a raw request target into the path the engine will route, or refuses it.
 *
 * <p>The engine decodes the path once, routes it case-sensitively, and answers non-clean paths
 * with a redirect that a client follows as a new request. Deciding on any other reading of the
 * target than the engine's lets a request through as one operation and run as another, so
 * anything ambiguous is refused here rather than normalised: the engine always receives the
 * client's own bytes, and those bytes mean exactly what was checked.
 */
public final class Canonicalizer {

    private Canonicalizer() {}

    /** Thrown for a target sockwarden refuses to forward; the message is the reason shown to the caller. */
    public static final class RejectedRequestException extends Exception {
        private static final long serialVersionUID = 1L;

        public RejectedRequestException(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * @param method  the request method as received
     * @param rawPath the path of the request target exactly as received (still percent-encoded)
     */
    public static CanonicalRequest canonicalize(String method, String rawPath) throws RejectedRequestException {
        if ("CONNECT".equals(method)) {
            throw new RejectedRequestException("CONNECT is not a Docker Engine API method");
        }
        if (!DockerApi.knownMethod(method)) {
            throw new RejectedRequestException("method " + printable(method) + " is not used by the Docker Engine API");
        }
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new RejectedRequestException("request target must be an absolute path starting with /");
        }
        String path = decodeOnce(rawPath);
        checkClean(path);
        String version = null;
        int versionEnd = versionPrefixEnd(path);
        if (versionEnd > 0) {
            version = path.substring(2, versionEnd);
            checkVersion(version);
            path = path.substring(versionEnd);
        }
        return new CanonicalRequest(method, path, version);
    }

    /** Percent-decodes once, as Go's url.PathUnescape does, refusing what it would refuse and more. */
    static String decodeOnce(String raw) throws RejectedRequestException {
        StringBuilder out = null;
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= n || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
                    throw new RejectedRequestException("malformed percent-encoding in the path");
                }
                if (out == null) {
                    out = new StringBuilder(n).append(raw, 0, i);
                }
                char decoded = (char) (hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
                checkChar(decoded, true);
                out.append(decoded);
                i += 2;
            } else {
                checkChar(c, false);
                if (out != null) {
                    out.append(c);
                }
            }
        }
        return out == null ? raw : out.toString();
    }

    private static void checkChar(char c, boolean decoded) throws RejectedRequestException {
        if (c < 0x20 || c == 0x7f) {
            throw new RejectedRequestException("control character in the path");
        }
        if (c > 0x7e) {
            // Decoded bytes stay bytes (ISO-8859-1): the catalog is ASCII, so they can only ever
            // be part of a parameter. Raw non-ASCII never comes from a conforming client.
            if (!decoded) {
                throw new RejectedRequestException("non-ASCII character in the path");
            }
            return;
        }
        switch (c) {
            case '\\' -> throw new RejectedRequestException("backslash in the path");
            case ';' -> throw new RejectedRequestException("semicolon (path parameter) in the path");
            case '%' -> {
                if (decoded) {
                    throw new RejectedRequestException("double percent-encoding in the path (%25)");
                }
            }
            // A decoded space is a parameter byte like any other (docker-py sends a network named
            // "test 01" as test%2001): the engine's routes match parameters as [^/]+, so it routes the
            // same either way. A raw space cannot be part of a request target at all.
            case ' ' -> {
                if (!decoded) {
                    throw new RejectedRequestException("space in the path");
                }
            }
            default -> { }
        }
    }

    /** The engine redirects anything path.Clean would change; such a path is never a request to run. */
    private static void checkClean(String path) throws RejectedRequestException {
        int n = path.length();
        int segmentStart = 1;
        for (int i = 1; i <= n; i++) {
            if (i == n || path.charAt(i) == '/') {
                int len = i - segmentStart;
                if (len == 0 && i < n) {
                    throw new RejectedRequestException("empty path segment (//) in the path");
                }
                if ((len == 1 && path.charAt(segmentStart) == '.')
                        || (len == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.')) {
                    throw new RejectedRequestException("dot segment (. or ..) in the path");
                }
                segmentStart = i + 1;
            }
        }
    }

    /** End of a {@code /v[0-9.]+} first segment followed by '/' or the end, as the engine's route reads it; else 0. */
    private static int versionPrefixEnd(String path) {
        if (path.length() < 3 || path.charAt(1) != 'v') {
            return 0;
        }
        int i = 2;
        while (i < path.length() && (isDigit(path.charAt(i)) || path.charAt(i) == '.')) {
            i++;
        }
        if (i == 2 || (i < path.length() && path.charAt(i) != '/')) {
            return 0;
        }
        return i;
    }

    private static void checkVersion(String version) throws RejectedRequestException {
        int dot = version.indexOf('.');
        boolean ok = dot > 0 && dot < version.length() - 1 && version.indexOf('.', dot + 1) < 0
                && version.length() <= 9;
        if (!ok) {
            throw new RejectedRequestException("API version prefix /v" + version + " is not of the form /vMAJOR.MINOR");
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 32; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
