package org.sockwarden.proxy.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.Operation;

/**
 * The objects a request body names, read as the engine reads the body (the same strict reader, Go's key
 * matching): what an own-only client's create or connect reaches besides the object it makes, so that
 * each can be checked to be the client's own. Read-only: the body goes to the engine as it is.
 *
 * <ul>
 *   <li>{@code containers/create}: containers in {@code VolumesFrom}, {@code Links}, the {@code container:<id>}
 *       namespace and cgroup modes and the endpoints' {@code Links}; networks in a user-defined
 *       {@code NetworkMode} and the keys of {@code EndpointsConfig}; named volumes in {@code Binds} and in
 *       {@code Mounts} of type volume (the engine creates a missing one, unlabelled).</li>
 *   <li>{@code networks/create}: the network of {@code ConfigFrom}, and the name it takes.</li>
 *   <li>{@code volumes/create}: the name it takes (the engine answers a create of an existing name with that
 *       volume, whoever's it is).</li>
 *   <li>{@code networks/{id}/connect} and {@code disconnect}: the {@code Container}, and the endpoint's {@code Links}.</li>
 * </ul>
 */
public final class References {

    /** One object a body names: its kind, the field that names it (as the engine names the field) and the reference. */
    public record Reference(ObjectKind kind, String field, String name) {}

    /**
     * What a body reaches.
     *
     * @param name       the name the created object takes ({@code Name}), or "" (none given, or not a create)
     * @param references the objects it names, in body order
     */
    public record Reach(String name, List<Reference> references) {
        public Reach {
            references = List.copyOf(references);
        }
    }

    /** Networks every engine has, which are no one's: joining one reaches no other owner's object. */
    public static final Set<String> PREDEFINED_NETWORKS = Set.of("bridge", "host", "none");

    private static final Shape CREATE = new Shape("the create body", "HostConfig", "NetworkingConfig");
    private static final Shape HOST = new Shape("HostConfig", "Binds", "Mounts", "VolumesFrom", "Links", "NetworkMode", "PidMode",
            "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode", "Cgroup");
    private static final String[] NAMESPACE_MODES = {"NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode", "Cgroup"};
    private static final Shape ENDPOINT = new Shape("EndpointSettings", "Links");
    private static final Shape NETWORK = new Shape("the network body", "Name", "ConfigFrom");
    private static final Shape CONFIG_FROM = new Shape("ConfigFrom", "Network");
    private static final Shape VOLUME = new Shape("the volume body", "Name");
    private static final Shape CONNECT = new Shape("the connect body", "Container", "EndpointConfig");

    private References() {}

    /**
     * What the body of {@code op} reaches. Throws {@link RefusedRequestException} (400) for a body the engine
     * would read differently from how it looks, as the guard does.
     */
    public static Reach of(Operation op, byte[] body) {
        try {
            Json doc = body == null ? null : JsonReader.read(body, body.length);
            List<Reference> refs = new ArrayList<>();
            String name = switch (op) {
                case CONTAINERS_CREATE -> {
                    container(doc, refs);
                    yield "";
                }
                case NETWORKS_CREATE -> {
                    Shape.View n = NETWORK.view(doc, "");
                    String from = n.struct("ConfigFrom", CONFIG_FROM).string("Network");
                    if (!from.isEmpty()) {
                        refs.add(new Reference(ObjectKind.NETWORK, "ConfigFrom.Network", from));
                    }
                    yield n.string("Name");
                }
                case VOLUMES_CREATE -> VOLUME.view(doc, "").string("Name");
                case NETWORKS_CONNECT, NETWORKS_DISCONNECT -> {
                    Shape.View c = CONNECT.view(doc, "");
                    refs.add(new Reference(ObjectKind.CONTAINER, "Container", c.string("Container")));
                    links(c.struct("EndpointConfig", ENDPOINT), refs);
                    yield "";
                }
                default -> throw new IllegalArgumentException(op.id() + " names no objects in its body");
            };
            return new Reach(name, refs);
        } catch (Refusal r) {
            throw new RefusedRequestException(r.verdict(op));
        }
    }

    private static void container(Json doc, List<Reference> refs) {
        Shape.View body = CREATE.view(doc, "");
        if (body.object() != null) {
            List<String> legacy = Containers.LEGACY.keysIn(body.object());
            if (!legacy.isEmpty()) {
                throw Refusal.malformed(legacy.get(0), "a HostConfig field at the top level of the create body: engines before"
                        + " 27.0 apply it when the HostConfig key is absent; put it inside HostConfig");
            }
        }
        Shape.View hc = body.struct("HostConfig", HOST);
        for (String field : NAMESPACE_MODES) {
            String mode = hc.string(field);
            if (mode.toLowerCase(Locale.ROOT).startsWith("container:")) {
                refs.add(new Reference(ObjectKind.CONTAINER, hc.path(field), mode.substring("container:".length())));
            } else if (field.equals("NetworkMode") && !mode.isEmpty() && !mode.equals("default") && !PREDEFINED_NETWORKS.contains(mode)) {
                refs.add(new Reference(ObjectKind.NETWORK, hc.path(field), mode));
            }
        }
        List<String> from = hc.strings("VolumesFrom");
        for (int i = 0; i < from.size(); i++) {
            // "container[:ro|rw]", as the engine's ParseVolumesFrom splits it
            refs.add(new Reference(ObjectKind.CONTAINER, hc.path("VolumesFrom") + "[" + i + "]", before(from.get(i), ':')));
        }
        List<String> links = hc.strings("Links");
        for (int i = 0; i < links.size(); i++) {
            refs.add(new Reference(ObjectKind.CONTAINER, hc.path("Links") + "[" + i + "]", before(links.get(i), ':')));
        }
        List<String> binds = hc.strings("Binds");
        for (int i = 0; i < binds.size(); i++) {
            // "[source:]target[:mode]": a source that is not an absolute path is a volume's name. Read widely
            // on purpose: what the engine would refuse anyway is only checked once more.
            String[] parts = binds.get(i).split(":", -1);
            if (parts.length >= 2 && !parts[0].startsWith("/")) {
                refs.add(new Reference(ObjectKind.VOLUME, hc.path("Binds") + "[" + i + "]", parts[0]));
            }
        }
        List<Json> mounts = hc.array("Mounts");
        for (int i = 0; i < mounts.size(); i++) {
            Shape.View m = Containers.MOUNT.view(mounts.get(i), hc.path("Mounts") + "[" + i + "]");
            if (m.string("Type").equals("volume") && !m.string("Source").isEmpty()) {
                refs.add(new Reference(ObjectKind.VOLUME, m.path("Source"), m.string("Source")));
            }
        }
        Shape.View networking = body.struct("NetworkingConfig", Containers.NETWORKING);
        Json endpoints = networking.get("EndpointsConfig");
        if (endpoints != null && endpoints != Json.Null.NULL) {
            if (!(endpoints instanceof Json.Obj o)) {
                throw Values.wrongType(networking.path("EndpointsConfig"), "an object", endpoints);
            }
            for (Json.Member e : o.members()) {
                String field = networking.path("EndpointsConfig") + "." + e.key();
                if (!PREDEFINED_NETWORKS.contains(e.key())) {
                    refs.add(new Reference(ObjectKind.NETWORK, field, e.key()));
                }
                links(ENDPOINT.view(e.value(), field), refs);
            }
        }
    }

    private static void links(Shape.View endpoint, List<Reference> refs) {
        List<String> links = endpoint.strings("Links");
        for (int i = 0; i < links.size(); i++) {
            refs.add(new Reference(ObjectKind.CONTAINER, endpoint.path("Links") + "[" + i + "]", before(links.get(i), ':')));
        }
    }

    private static String before(String s, char c) {
        int i = s.indexOf(c);
        return i < 0 ? s : s.substring(0, i);
    }
}
