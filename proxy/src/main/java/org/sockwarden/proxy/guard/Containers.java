package org.sockwarden.proxy.guard;

import java.util.List;

/**
 * {@code POST /containers/create} and {@code POST /containers/{id}/update}.
 *
 * <p>The create body is a {@code container.Config} with {@code HostConfig} and {@code NetworkingConfig}
 * beside its fields. Engines before 27.0 (API 1.46) decode it into a wrapper that also embeds a
 * HostConfig, so that a body without the {@code HostConfig} key has its HostConfig fields read from the
 * top level ({@code {"Image":"x","Privileged":true}} creates a privileged container on 20.10), and
 * that merges some top-level fields ({@code Memory}, {@code VolumeDriver}, ...) into a present
 * HostConfig. No client of this API writes that form any more, so a top-level key that reaches a
 * HostConfig field is refused on every engine (400): the guard never has to know which form an engine
 * honours.
 */
final class Containers {
    private Containers() {}

    static final Shape CREATE = new Shape("the create body", "Image", "User", "Labels", "HostConfig", "NetworkingConfig");

    /** Every field of HostConfig and its embedded Resources in engines 20.10 .. 26.1, and the wrapper's Cpuset. */
    static final Shape LEGACY = new Shape("HostConfig", "Binds", "ContainerIDFile", "LogConfig", "NetworkMode",
            "PortBindings", "RestartPolicy", "AutoRemove", "VolumeDriver", "VolumesFrom", "ConsoleSize", "Annotations",
            "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode",
            "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt",
            "StorageOpt", "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls", "Runtime", "Isolation", "Mounts",
            "MaskedPaths", "ReadonlyPaths", "Init", "Capabilities", "CpuShares", "Memory", "NanoCpus", "CgroupParent",
            "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
            "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus",
            "CpusetMems", "Devices", "DeviceCgroupRules", "DeviceRequests", "KernelMemory", "KernelMemoryTCP",
            "MemoryReservation", "MemorySwap", "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount",
            "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth", "Cpuset");

    static final Shape HOST_CONFIG = new Shape("HostConfig", "Binds", "Mounts", "Tmpfs", "VolumesFrom", "VolumeDriver",
            "Privileged", "NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode", "Cgroup", "CapAdd",
            "Capabilities", "Devices", "DeviceRequests", "DeviceCgroupRules", "Sysctls", "Runtime", "SecurityOpt",
            "MaskedPaths", "ReadonlyPaths", "CgroupParent", "ReadonlyRootfs", "Memory", "NanoCpus", "CpuQuota", "CpuPeriod",
            "PidsLimit");

    /** The update body: container.UpdateConfig, Resources embedded at its top level. */
    static final Shape UPDATE = new Shape("the update body", "Devices", "DeviceRequests", "DeviceCgroupRules",
            "CgroupParent", "Memory", "NanoCpus", "CpuQuota", "CpuPeriod", "PidsLimit");

    static final Shape NETWORKING = new Shape("NetworkingConfig", "EndpointsConfig");

    static final Shape MOUNT = new Shape("Mounts[]", "Type", "Source", "Target", "VolumeOptions", "TmpfsOptions", "ImageOptions");
    static final Shape VOLUME_OPTIONS = new Shape("VolumeOptions", "DriverConfig", "Subpath");
    static final Shape DRIVER = new Shape("DriverConfig", "Name", "Options");
    static final Shape TMPFS_OPTIONS = new Shape("TmpfsOptions", "Options");
    static final Shape IMAGE_OPTIONS = new Shape("ImageOptions", "Subpath");

    static Json create(Json doc, Inspection in) {
        Shape.View body = CREATE.view(doc, "");
        Json.Obj obj = body.object();
        List<String> legacy = obj == null ? List.of() : LEGACY.keysIn(obj);
        if (!legacy.isEmpty()) {
            throw Refusal.malformed(legacy.get(0), "a HostConfig field at the top level of the create body: engines before"
                    + " 27.0 apply it when the HostConfig key is absent; put it inside HostConfig");
        }
        in.image("Image", body.string("Image"));
        HostRules.user("User", body.string("User"), in.rules());
        Shape.View hc = body.struct("HostConfig", HOST_CONFIG);
        hostConfig(hc, in);
        for (Json.Member network : endpoints(body)) {
            if (network.key().equalsIgnoreCase("host")) {
                HostRules.require(in.rules(), Relaxation.HOST_NETWORK, "NetworkingConfig.EndpointsConfig.host",
                        "connects to the host's network");
            }
        }
        if (in.rules().readOnlyRootfs() && !hc.bool("ReadonlyRootfs")) {
            throw Refusal.forbidden(hc.path("ReadonlyRootfs"), "not set; the client must use a read-only root file system"
                    + " (read-only-rootfs)", null);
        }
        Guardrails r = in.rules();
        HostRules.limit(hc.path("Memory"), hc.int64("Memory"), r.maxMemory(), "max-memory", "memory");
        long quota = hc.int64("CpuQuota");
        long period = hc.int64("CpuPeriod");
        long nano = hc.int64("NanoCpus");
        if (r.maxNanoCpus() > 0 && quota > 0) {
            HostRules.limit(hc.path("CpuQuota"), nanoCpus(quota, period), r.maxNanoCpus(), "max-cpus", "CPU");
        }
        if (r.maxNanoCpus() > 0 && (nano != 0 || quota <= 0)) {
            HostRules.limit(hc.path("NanoCpus"), nano, r.maxNanoCpus(), "max-cpus", "CPU");
        }
        Json pids = hc.get("PidsLimit");
        HostRules.limit(hc.path("PidsLimit"), pids == null || pids == Json.Null.NULL ? 0 : Values.int64(pids, hc.path("PidsLimit")),
                r.maxPids(), "max-pids", "PIDs");
        return obj == null ? doc : in.forceLabels(obj, "");
    }

    private static List<Json.Member> endpoints(Shape.View body) {
        Shape.View networking = body.struct("NetworkingConfig", NETWORKING);
        Json endpoints = networking.get("EndpointsConfig");
        if (endpoints == null || endpoints == Json.Null.NULL) {
            return List.of();
        }
        if (!(endpoints instanceof Json.Obj o)) {
            throw Values.wrongType(networking.path("EndpointsConfig"), "an object", endpoints);
        }
        return o.members();
    }

    /** CpuQuota over CpuPeriod (default 100 ms) in billionths of a CPU. */
    private static long nanoCpus(long quota, long period) {
        long p = period > 0 ? period : 100_000;
        return (long) Math.min(Long.MAX_VALUE, (double) quota * 1_000_000_000L / p);
    }

    private static void hostConfig(Shape.View hc, Inspection in) {
        Guardrails r = in.rules();
        if (hc.bool("Privileged")) {
            HostRules.require(r, Relaxation.PRIVILEGED, hc.path("Privileged"), "privileged mode is root on the host");
        }
        HostRules.mode(HostRules.Mode.NETWORK, hc.path("NetworkMode"), hc.string("NetworkMode"), r);
        HostRules.mode(HostRules.Mode.PID, hc.path("PidMode"), hc.string("PidMode"), r);
        HostRules.mode(HostRules.Mode.IPC, hc.path("IpcMode"), hc.string("IpcMode"), r);
        HostRules.mode(HostRules.Mode.UTS, hc.path("UTSMode"), hc.string("UTSMode"), r);
        HostRules.mode(HostRules.Mode.USERNS, hc.path("UsernsMode"), hc.string("UsernsMode"), r);
        HostRules.mode(HostRules.Mode.CGROUPNS, hc.path("CgroupnsMode"), hc.string("CgroupnsMode"), r);
        HostRules.mode(HostRules.Mode.CGROUP, hc.path("Cgroup"), hc.string("Cgroup"), r);
        HostRules.capabilities(hc.path("CapAdd"), hc.strings("CapAdd"), false, r);
        HostRules.capabilities(hc.path("Capabilities"), hc.strings("Capabilities"), true, r);
        devices(hc, r);
        if (!hc.stringMap("Sysctls").isEmpty()) {
            HostRules.require(r, Relaxation.SYSCTLS, hc.path("Sysctls"), "sets kernel parameters");
        }
        if (!hc.string("Runtime").isEmpty()) {
            HostRules.require(r, Relaxation.RUNTIME, hc.path("Runtime"), "runtime " + Texts.quote(hc.string("Runtime"))
                    + " instead of the daemon's default");
        }
        HostRules.securityOpts(hc.path("SecurityOpt"), hc.strings("SecurityOpt"), r);
        for (String field : new String[] {"MaskedPaths", "ReadonlyPaths"}) {
            if (hc.has(field)) {
                hc.strings(field);
                HostRules.require(r, Relaxation.UNMASKED_PATHS, hc.path(field), "replaces the paths the engine masks or makes"
                        + " read-only in /proc and /sys");
            }
        }
        cgroupParent(hc, r);
        if (!hc.strings("VolumesFrom").isEmpty()) {
            HostRules.require(r, Relaxation.VOLUMES_FROM, hc.path("VolumesFrom"), "takes every mount of another container,"
                    + " its binds included");
        }
        String driver = hc.string("VolumeDriver");
        if (!driver.isEmpty() && !driver.equals("local")) {
            HostRules.require(r, Relaxation.VOLUME_DRIVERS, hc.path("VolumeDriver"), "volume driver " + Texts.quote(driver));
        }
        List<String> binds = hc.strings("Binds");
        for (int i = 0; i < binds.size(); i++) {
            HostRules.bind(hc.path("Binds") + "[" + i + "]", binds.get(i), r, in.paths());
        }
        for (Json.Member t : hc.stringMap("Tmpfs")) {
            String field = hc.path("Tmpfs") + "." + t.key();
            if (t.key().indexOf(':') >= 0 || t.key().indexOf(',') >= 0) {
                throw Refusal.malformed(field, "a tmpfs path with ':' or ',': Podman reads what follows as mount options");
            }
            HostRules.tmpfsOptions(field, Values.string(t.value(), field), r);
        }
        List<Json> mounts = hc.array("Mounts");
        for (int i = 0; i < mounts.size(); i++) {
            mount(MOUNT.view(mounts.get(i), hc.path("Mounts") + "[" + i + "]"), in);
        }
    }

    private static void devices(Shape.View hc, Guardrails r) {
        if (!hc.array("Devices").isEmpty()) {
            HostRules.require(r, Relaxation.DEVICES, hc.path("Devices"), "gives the container host devices");
        }
        if (!hc.array("DeviceRequests").isEmpty()) {
            HostRules.require(r, Relaxation.DEVICE_REQUESTS, hc.path("DeviceRequests"), "requests host devices (GPUs, CDI)");
        }
        if (!hc.strings("DeviceCgroupRules").isEmpty()) {
            HostRules.require(r, Relaxation.DEVICE_CGROUP_RULES, hc.path("DeviceCgroupRules"), "lets the container use host devices");
        }
    }

    private static void cgroupParent(Shape.View v, Guardrails r) {
        if (!v.string("CgroupParent").isEmpty()) {
            HostRules.require(r, Relaxation.CGROUP_PARENT, v.path("CgroupParent"), "cgroup parent "
                    + Texts.quote(v.string("CgroupParent")));
        }
    }

    /** One entry of Mounts (a container's HostConfig or a service's ContainerSpec). */
    static void mount(Shape.View m, Inspection in) {
        Guardrails r = in.rules();
        String type = m.string("Type");
        String source = m.string("Source");
        HostRules.noComma(m.path("Source"), source);
        HostRules.noComma(m.path("Target"), m.string("Target"));
        Shape.View volume = m.struct("VolumeOptions", VOLUME_OPTIONS);
        HostRules.noComma(volume.path("Subpath"), volume.string("Subpath"));
        Shape.View driver = volume.struct("DriverConfig", DRIVER);
        String driverName = driver.string("Name");
        if (!driverName.isEmpty() && !driverName.equals("local")) {
            HostRules.require(r, Relaxation.VOLUME_DRIVERS, driver.path("Name"), "volume driver " + Texts.quote(driverName));
        } else {
            HostRules.localVolumeOptions(driver.path("Options"), driver.stringMap("Options"), r, in.paths());
        }
        HostRules.noComma(m.path("ImageOptions") + ".Subpath", m.struct("ImageOptions", IMAGE_OPTIONS).string("Subpath"));
        List<Json> tmpfs = m.struct("TmpfsOptions", TMPFS_OPTIONS).array("Options");
        for (int i = 0; i < tmpfs.size(); i++) {
            String field = m.path("TmpfsOptions") + ".Options[" + i + "]";
            List<String> option = Values.strings(tmpfs.get(i), field);
            if (!option.isEmpty()) {
                HostRules.tmpfsOption(field, option.get(0), r);
            }
        }
        switch (type) {
            case "bind" -> in.paths().judgeBind(m.path("Source"), source, r);
            case "volume", "tmpfs" -> {
                // a named or anonymous volume (its driver judged above), or a tmpfs (its options judged above)
            }
            case "image" -> in.image(m.path("Source"), source);
            default -> throw Refusal.forbidden(m.path("Type"), "mount type " + Texts.quote(type)
                    + " is not one the guard judges (bind, volume, tmpfs, image)", null);
        }
    }

    static void update(Json doc, Inspection in) {
        Shape.View u = UPDATE.view(doc, "");
        Guardrails r = in.rules();
        devices(u, r);
        cgroupParent(u, r);
        // In an update, 0 leaves a limit as it is; a negative value lifts it.
        long memory = u.int64("Memory");
        if (memory != 0) {
            HostRules.limit(u.path("Memory"), memory, r.maxMemory(), "max-memory", "memory");
        }
        long nano = u.int64("NanoCpus");
        if (nano != 0) {
            HostRules.limit(u.path("NanoCpus"), nano, r.maxNanoCpus(), "max-cpus", "CPU");
        }
        if (r.maxNanoCpus() > 0 && (u.has("CpuQuota") || u.has("CpuPeriod"))) {
            long quota = u.int64("CpuQuota");
            long period = u.int64("CpuPeriod");
            if (quota != 0 || period != 0) {
                if (quota <= 0 || period <= 0) {
                    throw Refusal.forbidden(u.path(quota <= 0 ? "CpuQuota" : "CpuPeriod"), "with max-cpus, an update sets"
                            + " CpuQuota and CpuPeriod together (either alone changes the CPU limit in a way the guard cannot see)", null);
                }
                HostRules.limit(u.path("CpuQuota"), nanoCpus(quota, period), r.maxNanoCpus(), "max-cpus", "CPU");
            }
        }
        Json pids = u.get("PidsLimit");
        if (pids != null && pids != Json.Null.NULL) {
            HostRules.limit(u.path("PidsLimit"), Values.int64(pids, u.path("PidsLimit")), r.maxPids(), "max-pids", "PIDs");
        }
    }
}
