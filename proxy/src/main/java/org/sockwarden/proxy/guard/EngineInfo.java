package org.sockwarden.proxy.guard;

import java.util.Locale;

/**
 * The engine behind the socket, as the guard needs to know it.
 *
 * <p>Docker answers with {@code Server: Docker/20.10.24+dfsg1 (linux)} and {@code Api-Version: 1.41}
 * on every response ({@code /_ping} included); Podman's Docker-compatible service with
 * {@code Server: Libpod/4.3.1 (linux)}, {@code Api-Version} and {@code Libpod-Api-Version}. Its
 * {@code /version} names the same: {@code Components[].Name} {@code Podman Engine}.
 *
 * <p>The guard's rules do not depend on the engine's version (every rule judges the widest reading
 * any supported engine gives a body), but Podman differs in kind: its compatible {@code /build} runs
 * RUN steps in the host's network (measured with Podman 4.3.1), so there every build needs
 * {@code host-network}. Podman's own API ({@code /libpod/...}, where create takes {@code privileged},
 * {@code netns}, {@code pidns} at the top level) is not in the catalog: such requests never reach the
 * guard. An engine not yet identified ({@link #UNKNOWN}) is judged as if it were Podman.
 *
 * @param version    the engine's version ({@code 20.10.24+dfsg1}, {@code 4.3.1}), or null when unknown
 * @param apiVersion the Docker API version it speaks ({@code 1.41}), or null when unknown
 * @param podman     Podman's Docker-compatible service rather than Docker
 */
public record EngineInfo(String version, String apiVersion, boolean podman) {

    public static final EngineInfo UNKNOWN = new EngineInfo(null, null, true);

    /** Whether the engine is known: {@link #UNKNOWN} is judged like Podman. */
    public boolean known() {
        return version != null;
    }

    /**
     * From the headers of any engine response: {@code Server}, {@code Api-Version} and
     * {@code Libpod-Api-Version} (null when absent). {@link #UNKNOWN} when {@code Server} names neither engine.
     */
    public static EngineInfo fromHeaders(String server, String apiVersion, String libpodApiVersion) {
        if (server == null) {
            return UNKNOWN;
        }
        String product = server.strip();
        int space = product.indexOf(' ');
        if (space >= 0) {
            product = product.substring(0, space);
        }
        int slash = product.indexOf('/');
        if (slash <= 0 || slash == product.length() - 1) {
            return UNKNOWN;
        }
        String name = product.substring(0, slash).toLowerCase(Locale.ROOT);
        String version = product.substring(slash + 1);
        if (name.equals("libpod") || libpodApiVersion != null) {
            return new EngineInfo(version, apiVersion, true);
        }
        return name.equals("docker") ? new EngineInfo(version, apiVersion, false) : UNKNOWN;
    }

    /** From the body of {@code GET /version}; {@link #UNKNOWN} when it is not one. */
    public static EngineInfo fromVersion(byte[] body) {
        try {
            return fromVersion(JsonReader.read(body, body.length));
        } catch (Refusal e) {
            return UNKNOWN;
        }
    }

    private static EngineInfo fromVersion(Json doc) {
        if (!(doc instanceof Json.Obj)) {
            return UNKNOWN;
        }
        Shape.View v = VERSION.view(doc, "");
        String version = stringOrNull(v.get("Version"));
        String api = stringOrNull(v.get("ApiVersion"));
        if (version == null) {
            return UNKNOWN;
        }
        boolean podman = false;
        if (v.get("Components") instanceof Json.Arr components) {
            for (Json c : components.items()) {
                String name = c instanceof Json.Obj ? stringOrNull(COMPONENT.view(c, "").get("Name")) : null;
                podman |= name != null && name.toLowerCase(Locale.ROOT).contains("podman");
            }
        }
        return new EngineInfo(version, api, podman);
    }

    private static final Shape VERSION = new Shape("version", "Version", "ApiVersion", "Components");
    private static final Shape COMPONENT = new Shape("component", "Name");

    private static String stringOrNull(Json v) {
        return v instanceof Json.Str s ? s.value() : null;
    }

    /** For {@code status}: {@code Docker 20.10.24 (API 1.41)}, {@code Podman 4.3.1 (API 1.41)}, {@code unknown engine}. */
    @Override
    public String toString() {
        if (!known()) {
            return "unknown engine";
        }
        return (podman ? "Podman " : "Docker ") + version + (apiVersion == null ? "" : " (API " + apiVersion + ")");
    }
}
