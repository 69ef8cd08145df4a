package org.sockwarden.proxy.guard;

import java.util.List;

/** The smaller bodies: exec creation, volume and network creation, plugin privileges and settings, container start. */
final class Bodies {
    private Bodies() {}

    static final Shape EXEC = new Shape("the exec body", "Privileged", "User");
    static final Shape VOLUME = new Shape("the volume body", "Driver", "DriverOpts", "ClusterVolumeSpec");
    static final Shape NETWORK = new Shape("the network body", "Driver", "Options", "IPAM");
    static final Shape IPAM = new Shape("IPAM", "Driver");

    /** {@code POST /containers/{id}/exec}: privileged exec, and with non-root, the exec's user. */
    static void exec(Json doc, Inspection in) {
        Shape.View e = EXEC.view(doc, "");
        if (e.bool("Privileged")) {
            HostRules.require(in.rules(), Relaxation.PRIVILEGED, "Privileged", "a privileged exec has every capability and device");
        }
        HostRules.user("User", e.string("User"), in.rules());
    }

    /** {@code POST /volumes/create}: the driver, and the local driver's mount options (binds in disguise). */
    static Json volume(Json doc, Inspection in) {
        Shape.View v = VOLUME.view(doc, "");
        String driver = v.string("Driver");
        if (!driver.isEmpty() && !driver.equals("local")) {
            HostRules.require(in.rules(), Relaxation.VOLUME_DRIVERS, "Driver", "volume driver " + Texts.quote(driver));
        }
        if (v.has("ClusterVolumeSpec")) {
            HostRules.require(in.rules(), Relaxation.VOLUME_DRIVERS, "ClusterVolumeSpec", "a cluster (CSI) volume");
        }
        HostRules.localVolumeOptions("DriverOpts", v.stringMap("DriverOpts"), in.rules(), in.paths());
        return labelled(doc, v, in);
    }

    /** {@code POST /networks/create}: drivers other than bridge and overlay, IPAM drivers, driver options. */
    static Json network(Json doc, Inspection in) {
        Shape.View n = NETWORK.view(doc, "");
        String driver = n.string("Driver");
        if (!driver.isEmpty() && !driver.equals("bridge") && !driver.equals("overlay")) {
            HostRules.require(in.rules(), Relaxation.NETWORK_DRIVERS, "Driver", "network driver " + Texts.quote(driver));
        }
        String ipam = n.struct("IPAM", IPAM).string("Driver");
        if (!ipam.isEmpty() && !ipam.equals("default")) {
            HostRules.require(in.rules(), Relaxation.NETWORK_DRIVERS, "IPAM.Driver", "IPAM driver " + Texts.quote(ipam));
        }
        if (!n.stringMap("Options").isEmpty()) {
            HostRules.require(in.rules(), Relaxation.NETWORK_OPTIONS, "Options", "sets network driver options");
        }
        return labelled(doc, n, in);
    }

    /** The body with the forced labels set (an absent body becomes one that only sets them). */
    private static Json labelled(Json doc, Shape.View v, Inspection in) {
        if (in.labels().isEmpty()) {
            return doc;
        }
        return in.forceLabels(v.object() == null ? new Json.Obj(List.of()) : v.object(), "");
    }

    /** {@code POST /plugins/pull} and {@code /plugins/{name}/upgrade}: the body is the list of privileges granted. */
    static void pluginPrivileges(Json doc, Inspection in) {
        if (doc == null || doc == Json.Null.NULL) {
            return;
        }
        if (!(doc instanceof Json.Arr privileges)) {
            throw Values.wrongType("body", "an array of plugin privileges", doc);
        }
        if (!privileges.items().isEmpty()) {
            HostRules.require(in.rules(), Relaxation.PLUGIN_PRIVILEGES, "body[0]", "grants the plugin privileges (it runs as"
                    + " root with them: host network, mounts, devices, capabilities)");
        }
    }

    /** {@code POST /plugins/{name}/set}: {@code mount.source=...} and {@code device.path=...} point a plugin at the host. */
    static void pluginSettings(Json doc, Inspection in) {
        List<String> settings = Values.strings(doc, "body");
        for (int i = 0; i < settings.size(); i++) {
            String s = settings.get(i);
            int eq = s.indexOf('=');
            if ((eq < 0 ? s : s.substring(0, eq)).indexOf('.') >= 0) {
                HostRules.require(in.rules(), Relaxation.PLUGIN_PRIVILEGES, "body[" + i + "]", "sets a plugin mount's source or"
                        + " device's path on the host (" + Texts.quote(s) + ")");
            }
        }
    }

    /**
     * {@code POST /containers/{id}/start}: engines apply a body as the container's HostConfig when the
     * path's API version is below 1.24 (20.10 still serves /v1.12 and up), so a body there is a create
     * the create guard never saw. Only no body, {@code null} and {@code {}} pass.
     */
    static void start(Json doc) {
        if (doc == null || doc == Json.Null.NULL || doc instanceof Json.Obj o && o.members().isEmpty()) {
            return;
        }
        throw Refusal.malformed("body", "a body on start: engines apply it as the container's HostConfig for API"
                + " versions below 1.24, beyond the create guard; send none");
    }
}
