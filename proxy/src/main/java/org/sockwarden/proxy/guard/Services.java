package org.sockwarden.proxy.guard;

import java.util.List;
import java.util.Locale;

/**
 * {@code POST /services/create} and {@code /services/{id}/update}: the service's task template gets
 * the same guardrails as a container (its mounts, capabilities, sysctls, security settings, image,
 * user, read-only root, limits), its networks may not be the host's, and a plugin task installs a
 * plugin with privileges.
 */
final class Services {
    private Services() {}

    static final Shape SPEC = new Shape("the service spec", "Labels", "TaskTemplate", "Networks");
    static final Shape TASK = new Shape("TaskTemplate", "ContainerSpec", "PluginSpec", "Resources", "Networks");
    static final Shape CONTAINER = new Shape("ContainerSpec", "Image", "Labels", "User", "Privileges", "ReadOnly", "Mounts",
            "Sysctls", "CapabilityAdd");
    static final Shape PRIVILEGES = new Shape("Privileges", "SELinuxContext", "Seccomp", "AppArmor");
    static final Shape SELINUX = new Shape("SELinuxContext", "Disable", "User", "Role", "Type");
    static final Shape SECCOMP = new Shape("Seccomp", "Mode");
    static final Shape APPARMOR = new Shape("AppArmor", "Mode");
    static final Shape RESOURCES = new Shape("Resources", "Limits");
    static final Shape LIMITS = new Shape("Limits", "NanoCPUs", "MemoryBytes", "Pids");
    static final Shape ATTACHMENT = new Shape("Networks[]", "Target");

    static Json spec(Json doc, Inspection in) {
        Guardrails r = in.rules();
        Shape.View spec = SPEC.view(doc, "");
        networks(spec, in);
        Shape.View task = spec.struct("TaskTemplate", TASK);
        networks(task, in);
        if (task.has("PluginSpec")) {
            HostRules.require(r, Relaxation.PLUGIN_PRIVILEGES, task.path("PluginSpec"), "installs a plugin, with the"
                    + " privileges it lists, on the swarm's nodes");
        }
        Shape.View c = task.struct("ContainerSpec", CONTAINER);
        in.image(c.path("Image"), c.string("Image"));
        HostRules.user(c.path("User"), c.string("User"), r);
        if (r.readOnlyRootfs() && !c.bool("ReadOnly")) {
            throw Refusal.forbidden(c.path("ReadOnly"), "not set; the client must use a read-only root file system"
                    + " (read-only-rootfs)", null);
        }
        if (!c.stringMap("Sysctls").isEmpty()) {
            HostRules.require(r, Relaxation.SYSCTLS, c.path("Sysctls"), "sets kernel parameters");
        }
        HostRules.capabilities(c.path("CapabilityAdd"), c.strings("CapabilityAdd"), false, r);
        privileges(c.struct("Privileges", PRIVILEGES), r);
        List<Json> mounts = c.array("Mounts");
        for (int i = 0; i < mounts.size(); i++) {
            Containers.mount(Containers.MOUNT.view(mounts.get(i), c.path("Mounts") + "[" + i + "]"), in);
        }
        Shape.View limits = task.struct("Resources", RESOURCES).struct("Limits", LIMITS);
        HostRules.limit(limits.path("MemoryBytes"), limits.int64("MemoryBytes"), r.maxMemory(), "max-memory", "memory");
        HostRules.limit(limits.path("NanoCPUs"), limits.int64("NanoCPUs"), r.maxNanoCpus(), "max-cpus", "CPU");
        HostRules.limit(limits.path("Pids"), limits.int64("Pids"), r.maxPids(), "max-pids", "PIDs");
        return labelled(doc, spec, task, c, in);
    }

    private static void networks(Shape.View v, Inspection in) {
        List<Json> networks = v.array("Networks");
        for (int i = 0; i < networks.size(); i++) {
            Shape.View n = ATTACHMENT.view(networks.get(i), v.path("Networks") + "[" + i + "]");
            if (n.string("Target").equalsIgnoreCase("host")) {
                HostRules.require(in.rules(), Relaxation.HOST_NETWORK, n.path("Target"), "the host's network");
            }
        }
    }

    private static void privileges(Shape.View p, Guardrails r) {
        Shape.View selinux = p.struct("SELinuxContext", SELINUX);
        if (selinux.bool("Disable")) {
            HostRules.require(r, Relaxation.SELINUX_UNCONFINED, selinux.path("Disable"), "disables SELinux labelling");
        }
        for (String field : new String[] {"User", "Role", "Type"}) {
            if (!selinux.string(field).isEmpty()) {
                HostRules.require(r, Relaxation.SELINUX_UNCONFINED, selinux.path(field), "sets the SELinux " + field.toLowerCase(Locale.ROOT));
            }
        }
        Shape.View seccomp = p.struct("Seccomp", SECCOMP);
        String mode = seccomp.string("Mode");
        if (!mode.isEmpty() && !mode.equals("default")) {
            HostRules.require(r, Relaxation.SECCOMP_UNCONFINED, seccomp.path("Mode"), "seccomp mode " + Texts.quote(mode));
        }
        Shape.View apparmor = p.struct("AppArmor", APPARMOR);
        String aa = apparmor.string("Mode");
        if (!aa.isEmpty() && !aa.equals("default")) {
            HostRules.require(r, Relaxation.APPARMOR_UNCONFINED, apparmor.path("Mode"), "AppArmor mode " + Texts.quote(aa));
        }
    }

    /** The service's labels and its containers' labels hold the forced ones. */
    private static Json labelled(Json doc, Shape.View spec, Shape.View task, Shape.View container, Inspection in) {
        if (in.labels().isEmpty()) {
            return doc;
        }
        Json.Obj result = in.forceLabels(spec.object() == null ? new Json.Obj(List.of()) : spec.object(), "");
        if (container.object() != null) {
            Json.Obj newContainer = in.forceLabels(container.object(), "TaskTemplate.ContainerSpec");
            Json.Obj newTask = Inspection.replace(task.object(), container.object(), newContainer);
            result = Inspection.replace(result, task.object(), newTask);
        }
        return result;
    }
}
