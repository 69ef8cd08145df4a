package org.sockwarden.proxy.guard;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.QueryParameters;

/**
 * The query of a guarded request, read as Go's {@code url.ParseQuery} reads it (pairs split at
 * {@code &}, names and values percent-decoded with {@code +} as space; a {@code ;} or a bad escape
 * makes the engine refuse the request or drop the pair, so both are refused here), checked against
 * the operation's {@link QueryParameters} and, for the parameters that reach the host, by value.
 */
final class Queries {
    private Queries() {}

    record Param(String name, String value) {}

    static List<Param> parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        List<Param> params = new ArrayList<>();
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue; // Go skips empty pairs
            }
            if (pair.indexOf(';') >= 0) {
                throw Refusal.malformed("query", "a ';' in " + Texts.quote(pair) + " (the engine refuses it, or drops the pair)");
            }
            int eq = pair.indexOf('=');
            String name = unescape(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : unescape(pair.substring(eq + 1));
            params.add(new Param(name, value));
        }
        return params;
    }

    /** Go's QueryUnescape, refusing what it refuses and any result that is not UTF-8. */
    private static String unescape(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw Refusal.malformed("query", "a bad percent escape in " + Texts.quote(s));
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw Refusal.malformed("query", Texts.quote(s) + " does not decode to UTF-8");
        }
    }

    /** The allow-list, then the parameters that reach the host. */
    static void check(Operation op, List<Param> params, Inspection in) {
        for (Param p : params) {
            if (!QueryParameters.defines(op, p.name())) {
                throw Refusal.forbidden("query " + p.name(), "the Docker API defines no parameter " + Texts.quote(p.name())
                        + " for " + op.id() + " (the guard refuses what it cannot judge; Podman reads more parameters than Docker)", null);
            }
        }
        switch (op) {
            case IMAGES_CREATE -> imagesCreate(params, in);
            case IMAGES_BUILD -> build(params, in);
            default -> {
                // no parameter of the other operations reaches the host
            }
        }
    }

    private static String first(List<Param> params, String name) {
        for (Param p : params) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        return "";
    }

    /**
     * images/create pulls {@code fromImage} (the first one, as the engine reads it) and imports
     * otherwise: {@code fromSrc=-} uploads a root file system, any other {@code fromSrc} (even empty,
     * even absent) is a URL the daemon fetches.
     */
    private static void imagesCreate(List<Param> params, Inspection in) {
        String fromImage = first(params, "fromImage");
        for (Param p : params) {
            if (p.name().equals("fromSrc") && !p.value().isEmpty()) {
                HostRules.require(in.rules(), Relaxation.IMAGE_IMPORT, "query fromSrc", p.value().equals("-")
                        ? "imports an uploaded root file system as an image"
                        : "imports an image from " + Texts.quote(p.value()) + ", which the daemon fetches");
            }
        }
        if (fromImage.isEmpty()) {
            HostRules.require(in.rules(), Relaxation.IMAGE_IMPORT, "query fromImage", "without fromImage, images/create"
                    + " imports from fromSrc instead of pulling");
            return;
        }
        String tag = first(params, "tag");
        String ref = tag.isEmpty() ? fromImage : fromImage + (tag.indexOf(':') >= 0 ? "@" : ":") + tag;
        // Neither a tag nor a digest: the engine pulls every tag of the repository.
        in.image("query fromImage", ref, tag.isEmpty());
    }

    private static void build(List<Param> params, Inspection in) {
        Guardrails r = in.rules();
        if (in.engine().podman()) {
            HostRules.require(r, Relaxation.HOST_NETWORK, "operation", "builds on " + (in.engine().known()
                    ? "Podman run their RUN steps in the host's network" : "an engine not yet identified may run their RUN"
                    + " steps in the host's network (Podman does)"));
        }
        for (Param p : params) {
            String v = p.value();
            switch (p.name()) {
                case "remote" -> {
                    if (!v.isEmpty()) {
                        HostRules.require(r, Relaxation.BUILD_REMOTE, "query remote", "builds from " + Texts.quote(v)
                                + ", which the daemon fetches");
                    }
                }
                case "networkmode" -> HostRules.mode(HostRules.Mode.NETWORK, "query networkmode", v, r);
                case "cgroupparent" -> {
                    if (!v.isEmpty()) {
                        HostRules.require(r, Relaxation.CGROUP_PARENT, "query cgroupparent", "cgroup parent " + Texts.quote(v));
                    }
                }
                case "isolation" -> {
                    if (!v.isEmpty() && !v.equals("default")) {
                        throw Refusal.forbidden("query isolation", "isolation " + Texts.quote(v) + " (Docker on Linux knows"
                                + " only default; Podman's chroot shares the host's namespaces)", null);
                    }
                }
                case "securityopt" -> {
                    if (!v.isEmpty()) {
                        throw Refusal.forbidden("query securityopt", "build security options (" + Texts.quote(v) + ")", null);
                    }
                }
                default -> {
                    // the other build parameters set resources, tags and caching
                }
            }
        }
    }
}
