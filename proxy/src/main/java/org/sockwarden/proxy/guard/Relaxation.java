package org.sockwarden.proxy.guard;

/**
 * A guardrail a client may be let past, by name. Each is denied by default for every client the
 * guard inspects; the name is what the 403 offers and what the client's guardrails text lists.
 */
public enum Relaxation {
    PRIVILEGED("privileged", "privileged containers (HostConfig.Privileged) and privileged exec (Privileged)"),
    HOST_NETWORK("host-network", "the host's network: NetworkMode host, the host network in EndpointsConfig or a"
            + " service's Networks, build networkmode=host, and any build on a Podman engine (its RUN steps use the host's network)"),
    HOST_PID("host-pid", "the host's PID namespace (PidMode host)"),
    HOST_IPC("host-ipc", "the host's IPC namespace (IpcMode host)"),
    HOST_UTS("host-uts", "the host's UTS namespace (UTSMode host)"),
    HOST_USERNS("host-userns", "the host's user namespace when the daemon remaps users (UsernsMode host)"),
    HOST_CGROUPNS("host-cgroupns", "the host's cgroup namespace (CgroupnsMode host)"),
    JOIN_CONTAINER("join-container", "another container's namespaces or cgroup: container:<id> in NetworkMode, PidMode,"
            + " IpcMode, UTSMode, UsernsMode, CgroupnsMode, Cgroup or build networkmode"),
    JOIN_NS_PATH("join-ns-path", "a namespace by path: ns:<path> in a namespace mode (Podman; ns:/proc/1/ns/net is the host's)"),
    CAP_ADD("cap-add", "any added capability: CapAdd, Capabilities beyond Docker's default set, a service's CapabilityAdd"
            + " (cap-add=NAME allows one)"),
    DEVICES("devices", "host devices (HostConfig.Devices)"),
    DEVICE_REQUESTS("device-requests", "device requests such as GPUs (HostConfig.DeviceRequests)"),
    DEVICE_CGROUP_RULES("device-cgroup-rules", "device cgroup rules (HostConfig.DeviceCgroupRules)"),
    SYSCTLS("sysctls", "kernel parameters (Sysctls)"),
    RUNTIME("runtime", "an OCI runtime other than the daemon's default (HostConfig.Runtime)"),
    SECCOMP_UNCONFINED("seccomp-unconfined", "seccomp=unconfined or a custom seccomp profile (SecurityOpt, a service's"
            + " Privileges.Seccomp)"),
    APPARMOR_UNCONFINED("apparmor-unconfined", "apparmor=unconfined or another AppArmor profile (SecurityOpt, a service's"
            + " Privileges.AppArmor)"),
    SELINUX_UNCONFINED("selinux-unconfined", "SELinux labelling disabled or set: label=disable, label:disable, disable,"
            + " label=type:..., user:, role: (SecurityOpt, a service's Privileges.SELinuxContext)"),
    UNMASKED_PATHS("unmasked-paths", "MaskedPaths or ReadonlyPaths set (an empty list unmasks /proc/kcore and makes"
            + " /proc/sysrq-trigger writable)"),
    CGROUP_PARENT("cgroup-parent", "a cgroup parent of the client's choice (HostConfig.CgroupParent, build cgroupparent)"),
    VOLUMES_FROM("volumes-from", "every mount of another container (HostConfig.VolumesFrom), its binds included"),
    VOLUME_DRIVERS("volume-drivers", "volume drivers other than local (VolumeDriver, a mount's DriverConfig.Name,"
            + " a volume's Driver, cluster volumes)"),
    VOLUME_MOUNTS("volume-mounts", "local-driver volumes that mount a device, a network share or a tmpfs (type, device"
            + " and o options); those with o=bind are binds and judged as binds"),
    TMPFS_EXEC("tmpfs-exec", "tmpfs mounts with exec, dev or suid"),
    NETWORK_DRIVERS("network-drivers", "networks with a driver other than bridge and overlay (macvlan, ipvlan, plugins)"
            + " or an IPAM driver other than the default"),
    NETWORK_OPTIONS("network-options", "network driver options (Options: a bridge's name, gateway mode, ...)"),
    IMAGE_IMPORT("image-import", "images/create other than a registry pull: fromSrc=- (an uploaded rootfs) or a URL the"
            + " daemon fetches"),
    BUILD_REMOTE("build-remote", "builds from a remote= URL or Git repository, which the daemon fetches"),
    PLUGIN_PRIVILEGES("plugin-privileges", "plugins granted privileges (pull, upgrade), created from an archive the guard"
            + " cannot read, or set to host mount sources and devices");

    private final String option;
    private final String allows;

    Relaxation(String option, String allows) {
        this.option = option;
        this.allows = allows;
    }

    /** The name in the guardrails text and in 403s, e.g. {@code host-network}. */
    public String option() {
        return option;
    }

    /** What it lets a client do, in words, for {@code client show} and help texts. */
    public String allows() {
        return allows;
    }

    /** The relaxation of that option name, or null. */
    public static Relaxation of(String option) {
        for (Relaxation r : values()) {
            if (r.option.equals(option)) {
                return r;
            }
        }
        return null;
    }
}
