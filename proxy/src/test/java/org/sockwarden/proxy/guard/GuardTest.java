package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockwarden.proxy.api.Operation;

/** Every guardrail and every bypass the issue and FIELD-NOTES name, against the guard alone. */
class GuardTest {

    static final HostPaths PATHS = HostPaths.hidden(Path.of("/var/run/docker.sock"), Path.of("/var/lib/sockwarden"));
    static final EngineInfo DOCKER = new EngineInfo("20.10.24+dfsg1", "1.41", false);
    static final Guard GUARD = new Guard(PATHS, DOCKER);

    static Verdict inspect(Operation op, String query, String body, Guardrails rules) {
        byte[] b = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return GUARD.inspect(new GuardedRequest(op, query, body == null ? null : "application/json", null,
                b == null ? -1 : b.length, b), rules, null);
    }

    static Verdict create(String body, Guardrails rules) {
        return inspect(Operation.CONTAINERS_CREATE, "name=x", body, rules);
    }

    static Verdict create(String body) {
        return create(body, Guardrails.DEFAULT);
    }

    /** A create body with {@code hostConfig} as its HostConfig. */
    static String withHostConfig(String hostConfig) {
        return "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1\"],\"HostConfig\":{" + hostConfig + "}}";
    }

    static Verdict.Refuse refused(Verdict v) {
        assertThat(v).isInstanceOf(Verdict.Refuse.class);
        return (Verdict.Refuse) v;
    }

    static void assertForwarded(Verdict v) {
        assertThat(v).as(v instanceof Verdict.Refuse r ? r.field() + ": " + r.constraint() : "").isEqualTo(Verdict.Forward.AS_RECEIVED);
    }

    static Guardrails rules(String text) {
        return Guardrails.parse(text);
    }

    /** {name, HostConfig members, field refused, remedy} */
    static Stream<Arguments> hostConfigRefusals() {
        return Stream.of(
            Arguments.of("privileged", "\"Privileged\":true", "HostConfig.Privileged", "privileged"),
            Arguments.of("lower-case privileged", "\"privileged\":true", "HostConfig.Privileged", "privileged"),
            Arguments.of("escaped key", "\"\\u0050rivileged\":true", "HostConfig.Privileged", "privileged"),
            Arguments.of("network host", "\"NetworkMode\":\"host\"", "HostConfig.NetworkMode", "host-network"),
            Arguments.of("network HOST", "\"NetworkMode\":\"HOST\"", "HostConfig.NetworkMode", "host-network"),
            Arguments.of("network join", "\"NetworkMode\":\"container:abc\"", "HostConfig.NetworkMode", "join-container"),
            Arguments.of("network ns path (Podman)", "\"NetworkMode\":\"ns:/proc/1/ns/net\"", "HostConfig.NetworkMode", "join-ns-path"),
            Arguments.of("network slirp4netns options (Podman)", "\"NetworkMode\":\"slirp4netns:allow_host_loopback=true\"", "HostConfig.NetworkMode", null),
            Arguments.of("pid host", "\"PidMode\":\"host\"", "HostConfig.PidMode", "host-pid"),
            Arguments.of("pid join", "\"PidMode\":\"container:abc\"", "HostConfig.PidMode", "join-container"),
            Arguments.of("pid unknown", "\"PidMode\":\"private\"", "HostConfig.PidMode", null),
            Arguments.of("ipc host", "\"IpcMode\":\"host\"", "HostConfig.IpcMode", "host-ipc"),
            Arguments.of("ipc join", "\"IpcMode\":\"container:abc\"", "HostConfig.IpcMode", "join-container"),
            Arguments.of("uts host", "\"UTSMode\":\"host\"", "HostConfig.UTSMode", "host-uts"),
            Arguments.of("userns host", "\"UsernsMode\":\"host\"", "HostConfig.UsernsMode", "host-userns"),
            Arguments.of("userns keep-id (Podman)", "\"UsernsMode\":\"keep-id\"", "HostConfig.UsernsMode", null),
            Arguments.of("cgroupns host", "\"CgroupnsMode\":\"host\"", "HostConfig.CgroupnsMode", "host-cgroupns"),
            Arguments.of("cgroup join", "\"Cgroup\":\"container:abc\"", "HostConfig.Cgroup", "join-container"),
            Arguments.of("cap-add", "\"CapAdd\":[\"SYS_ADMIN\"]", "HostConfig.CapAdd[0]", "cap-add=SYS_ADMIN"),
            Arguments.of("cap-add CAP_ lower", "\"CapAdd\":[\"cap_sys_admin\"]", "HostConfig.CapAdd[0]", "cap-add=SYS_ADMIN"),
            Arguments.of("cap-add ALL", "\"CapAdd\":[\"ALL\"]", "HostConfig.CapAdd[0]", "cap-add"),
            Arguments.of("Capabilities beyond default (API 1.40)", "\"Capabilities\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]", "HostConfig.Capabilities[1]", "cap-add=SYS_ADMIN"),
            Arguments.of("devices", "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/x\",\"CgroupPermissions\":\"rwm\"}]", "HostConfig.Devices", "devices"),
            Arguments.of("device requests", "\"DeviceRequests\":[{\"Driver\":\"nvidia\",\"Count\":-1}]", "HostConfig.DeviceRequests", "device-requests"),
            Arguments.of("device cgroup rules", "\"DeviceCgroupRules\":[\"c 1:3 rwm\"]", "HostConfig.DeviceCgroupRules", "device-cgroup-rules"),
            Arguments.of("sysctls", "\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}", "HostConfig.Sysctls", "sysctls"),
            Arguments.of("runtime", "\"Runtime\":\"runsc\"", "HostConfig.Runtime", "runtime"),
            Arguments.of("seccomp=unconfined", "\"SecurityOpt\":[\"seccomp=unconfined\"]", "HostConfig.SecurityOpt[0]", "seccomp-unconfined"),
            Arguments.of("seccomp:unconfined", "\"SecurityOpt\":[\"seccomp:unconfined\"]", "HostConfig.SecurityOpt[0]", "seccomp-unconfined"),
            Arguments.of("seccomp profile", "\"SecurityOpt\":[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]", "HostConfig.SecurityOpt[0]", "seccomp-unconfined"),
            Arguments.of("apparmor=unconfined", "\"SecurityOpt\":[\"apparmor=unconfined\"]", "HostConfig.SecurityOpt[0]", "apparmor-unconfined"),
            Arguments.of("apparmor:unconfined", "\"SecurityOpt\":[\"apparmor:unconfined\"]", "HostConfig.SecurityOpt[0]", "apparmor-unconfined"),
            Arguments.of("label=disable", "\"SecurityOpt\":[\"label=disable\"]", "HostConfig.SecurityOpt[0]", "selinux-unconfined"),
            Arguments.of("label:disable", "\"SecurityOpt\":[\"no-new-privileges\",\"label:disable\"]", "HostConfig.SecurityOpt[1]", "selinux-unconfined"),
            Arguments.of("disable", "\"SecurityOpt\":[\"disable\"]", "HostConfig.SecurityOpt[0]", "selinux-unconfined"),
            Arguments.of("label type spc_t", "\"SecurityOpt\":[\"label=type:spc_t\"]", "HostConfig.SecurityOpt[0]", "selinux-unconfined"),
            Arguments.of("unmask (Podman)", "\"SecurityOpt\":[\"unmask=ALL\"]", "HostConfig.SecurityOpt[0]", null),
            Arguments.of("masked paths emptied", "\"MaskedPaths\":[]", "HostConfig.MaskedPaths", "unmasked-paths"),
            Arguments.of("read-only paths emptied", "\"ReadonlyPaths\":[]", "HostConfig.ReadonlyPaths", "unmasked-paths"),
            Arguments.of("cgroup parent", "\"CgroupParent\":\"/\"", "HostConfig.CgroupParent", "cgroup-parent"),
            Arguments.of("volumes-from", "\"VolumesFrom\":[\"other\"]", "HostConfig.VolumesFrom", "volumes-from"),
            Arguments.of("volume driver", "\"VolumeDriver\":\"sshfs\"", "HostConfig.VolumeDriver", "volume-drivers"),
            Arguments.of("bind root", "\"Binds\":[\"/:/host\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind socket", "\"Binds\":[\"/var/run/docker.sock:/s\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind socket via /run", "\"Binds\":[\"/run/docker.sock:/s\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind socket dir", "\"Binds\":[\"/var/run:/r:ro\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind /var holds the socket", "\"Binds\":[\"/var:/v\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind data dir", "\"Binds\":[\"/var/lib/sockwarden/ca-key.pem:/k\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind other path", "\"Binds\":[\"/etc:/e\"]", "HostConfig.Binds[0]", "bind-path=/etc"),
            Arguments.of("bind dot-dot", "\"Binds\":[\"/srv/../etc:/e\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind relative (Podman)", "\"Binds\":[\"./x:/x\"]", "HostConfig.Binds[0]", null),
            Arguments.of("bind four parts", "\"Binds\":[\"/a:/b:ro:x\"]", "HostConfig.Binds[0]", null),
            Arguments.of("mount bind root", "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]", "HostConfig.Mounts[0].Source", null),
            Arguments.of("mount bind socket", "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/var/run/docker.sock\",\"Target\":\"/s\"}]", "HostConfig.Mounts[0].Source", null),
            Arguments.of("mount bind double slash", "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"//var//run/./docker.sock\",\"Target\":\"/s\"}]", "HostConfig.Mounts[0].Source", null),
            Arguments.of("mount volume bind in disguise", "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}}}]", "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device", null),
            Arguments.of("mount volume rbind, driver unnamed, keys in capitals", "\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"TYPE\":\"none\",\"O\":\"ro,RBIND\",\"Device\":\"/etc\"}}}}]", "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device", "bind-path=/etc"),
            Arguments.of("mount volume of a host disk", "\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}}}}]", "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options", "volume-mounts"),
            Arguments.of("mount volume other driver", "\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"sshfs\"}}}]", "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Name", "volume-drivers"),
            Arguments.of("mount tmpfs exec", "\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"Options\":[[\"exec\"]]}}]", "HostConfig.Mounts[0].TmpfsOptions.Options[0]", "tmpfs-exec"),
            Arguments.of("mount npipe", "\"Mounts\":[{\"Type\":\"npipe\",\"Source\":\"x\",\"Target\":\"/t\"}]", "HostConfig.Mounts[0].Type", null),
            Arguments.of("mount type in capitals", "\"Mounts\":[{\"Type\":\"BIND\",\"Source\":\"/\",\"Target\":\"/t\"}]", "HostConfig.Mounts[0].Type", null),
            Arguments.of("tmpfs exec", "\"Tmpfs\":{\"/t\":\"rw,exec\"}", "HostConfig.Tmpfs./t", "tmpfs-exec"),
            Arguments.of("tmpfs suid", "\"Tmpfs\":{\"/t\":\"suid\"}", "HostConfig.Tmpfs./t", "tmpfs-exec"),
            Arguments.of("tmpfs dev", "\"Tmpfs\":{\"/t\":\"size=1m,dev\"}", "HostConfig.Tmpfs./t", "tmpfs-exec")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostConfigRefusals")
    void hostConfigIsGuardedByDefault(String name, String hostConfig, String field, String remedy) {
        Verdict.Refuse r = refused(create(withHostConfig(hostConfig)));
        assertThat(r.field()).isEqualTo(field);
        assertThat(r.remedy()).isEqualTo(remedy);
        assertThat(r.operation()).isEqualTo(Operation.CONTAINERS_CREATE);
        if (remedy != null && !remedy.contains("=")) {
            assertForwarded(create(withHostConfig(hostConfig), rules(remedy)));
        }
    }

    @Test
    void theDockerCliDefaultsPass() {
        assertForwarded(create(withHostConfig("\"NetworkMode\":\"default\",\"CgroupnsMode\":\"\",\"IpcMode\":\"\",\"PidMode\":\"\","
                + "\"Privileged\":false,\"CapAdd\":null,\"Devices\":[],\"DeviceCgroupRules\":null,\"DeviceRequests\":null,"
                + "\"SecurityOpt\":null,\"MaskedPaths\":null,\"ReadonlyPaths\":null,\"Binds\":null,\"Sysctls\":{},\"Runtime\":\"\","
                + "\"VolumesFrom\":null,\"Tmpfs\":null,\"PidsLimit\":0,\"CapDrop\":[\"ALL\"],\"Capabilities\":[\"CAP_CHOWN\"]")));
        assertForwarded(create(withHostConfig("\"NetworkMode\":\"my-net\",\"IpcMode\":\"shareable\",\"SecurityOpt\":[\"no-new-privileges\","
                + "\"no-new-privileges=true\",\"label=level:s0:c1\"],\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"data\",\"Target\":\"/d\"},"
                + "{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":1048576,\"Options\":[[\"noexec\"]]}}],"
                + "\"Binds\":[\"data:/data\",\"/data2\",\"cache:/c:ro\"],\"Tmpfs\":{\"/run\":\"size=64m\"},\"VolumeDriver\":\"local\"")));
        assertForwarded(create("{\"Image\":\"busybox\"}"));
        assertForwarded(create(""));
    }

    @Test
    void bindsInsideAllowedPathsPassButNeverTheSocketOrData() {
        Guardrails srv = rules("bind-path=/srv/ci");
        assertForwarded(create(withHostConfig("\"Binds\":[\"/srv/ci:/w\",\"/srv/ci/a/b:/x:ro\",\"/srv/ci/./c//:/y\"]"), srv));
        assertThat(refused(create(withHostConfig("\"Binds\":[\"/srv/cix:/w\"]"), srv)).remedy()).isEqualTo("bind-path=/srv/cix");
        assertThat(refused(create(withHostConfig("\"Binds\":[\"/srv/ci/../x:/w\"]"), srv)).constraint()).contains("..");
        assertForwarded(create(withHostConfig("\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/ci/d\",\"Target\":\"/d\"}]"), srv));
        assertForwarded(create(withHostConfig("\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/d\",\"VolumeOptions\":{\"DriverConfig\":"
                + "{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/srv/ci/d\"}}}}]"), srv));
        Guardrails everything = rules("bind-path=/");
        assertForwarded(create(withHostConfig("\"Binds\":[\"/etc:/e\"]"), everything));
        for (String source : new String[] {"/", "/var", "/var/run", "/run", "/var/run/docker.sock", "/run/docker.sock",
            "/var/lib/sockwarden", "/var/lib", "/var/lib/sockwarden/db", "/run/containerd/containerd.sock"}) {
            Verdict.Refuse r = refused(create(withHostConfig("\"Binds\":[\"" + source + ":/x\"]"), everything));
            assertThat(r.remedy()).as(source).isNull();
            assertThat(r.constraint()).as(source).contains("never allowed");
        }
    }

    @Test
    void commaInMountFieldsIsRefusedForPodmansCsv() {
        Verdict.Refuse r = refused(create(withHostConfig("\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/ci,source=/\",\"Target\":\"/d\"}]"),
                rules("bind-path=/srv")));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.field()).isEqualTo("HostConfig.Mounts[0].Source");
        assertThat(refused(create(withHostConfig("\"Tmpfs\":{\"/x:exec\":\"\"}"))).status()).isEqualTo(400);
    }

    @Test
    void capAddListAllowsExactlyItsCapabilities() {
        Guardrails net = rules("cap-add=NET_ADMIN");
        assertForwarded(create(withHostConfig("\"CapAdd\":[\"NET_ADMIN\",\"cap_net_admin\",\"Net_Admin\"]"), net));
        assertThat(refused(create(withHostConfig("\"CapAdd\":[\"NET_ADMIN\",\"SYS_ADMIN\"]"), net)).field()).isEqualTo("HostConfig.CapAdd[1]");
        assertThat(refused(create(withHostConfig("\"CapAdd\":[\"ALL\"]"), net)).remedy()).isEqualTo("cap-add");
        // Go upper-cases with Unicode rules: ſys_admin is SYS_ADMIN to the engine
        assertThat(refused(create(withHostConfig("\"CapAdd\":[\"\u017Fys_admin\"]"), rules("cap-add"))).status()).isEqualTo(400);
    }

    /** The create-body forms that hide HostConfig fields from a naive reader. */
    @Test
    void disguisedHostConfigsAreRefused() {
        // 20.10 reads HostConfig fields at the top level when HostConfig is absent (GuardEngineTest shows it)
        Verdict.Refuse top = refused(create("{\"Image\":\"x\",\"Privileged\":true,\"Binds\":[\"/:/host\"]}"));
        assertThat(top.status()).isEqualTo(400);
        assertThat(top.field()).isEqualTo("Privileged");
        assertThat(refused(create("{\"Image\":\"x\",\"memory\":1,\"HostConfig\":{}}")).field()).isEqualTo("memory");
        assertThat(refused(create("{\"Image\":\"x\",\"Cpuset\":\"0\"}")).field()).isEqualTo("Cpuset");
        // duplicated or case-varied HostConfig: the engine merges them
        assertThat(refused(create("{\"Image\":\"x\",\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}")).constraint()).contains("duplicate key");
        assertThat(refused(create("{\"Image\":\"x\",\"HostConfig\":{\"NetworkMode\":\"none\"},\"HostConfig\":{\"Privileged\":true}}")).status()).isEqualTo(400);
        // a case-varied HostConfig alone is read as HostConfig
        assertThat(refused(create("{\"Image\":\"x\",\"HOSTCONFIG\":{\"PRIVILEGED\":true}}")).field()).isEqualTo("HostConfig.Privileged");
        // Unicode-folded keys: the engine reads them; the guard refuses non-ASCII keys
        Verdict.Refuse folded = refused(create("{\"Image\":\"x\",\"Ho\u017Ftconfig\":{\"Privileged\":true}}"));
        assertThat(folded.status()).isEqualTo(400);
        assertThat(folded.constraint()).contains("non-ASCII");
        assertThat(refused(create(withHostConfig("\"Lin\u212As\":[\"a:b\"]"))).constraint()).contains("non-ASCII");
        assertThat(refused(create(withHostConfig("\"Pr\u0130vileged\":true"))).constraint()).as("a lower-casing decoder reads İ as i").contains("non-ASCII");
        // trailing JSON: 20.10 ignores it
        assertThat(refused(create("{\"Image\":\"x\"} {\"HostConfig\":{\"Privileged\":true}}")).status()).isEqualTo(400);
    }

    @Test
    void wrongTypesAreRefusedWhereGoWouldFail() {
        assertThat(refused(create(withHostConfig("\"Privileged\":1"))).constraint()).contains("true or false");
        assertThat(refused(create(withHostConfig("\"Privileged\":\"true\""))).status()).isEqualTo(400);
        assertThat(refused(create(withHostConfig("\"Binds\":\"/:/host\""))).status()).isEqualTo(400);
        assertThat(refused(create(withHostConfig("\"CapAdd\":[1]"))).field()).isEqualTo("HostConfig.CapAdd[0]");
        assertThat(refused(create("{\"Image\":\"x\",\"HostConfig\":[]}")).status()).isEqualTo(400);
        assertThat(refused(create("[]")).status()).isEqualTo(400);
        assertThat(refused(create(withHostConfig("\"Memory\":1e9"), rules("max-memory=1g"))).field()).isEqualTo("HostConfig.Memory");
        assertThat(refused(create(withHostConfig("\"Memory\":1.0"), rules("max-memory=1g"))).status()).isEqualTo(400);
        assertThat(refused(create(withHostConfig("\"Memory\":9223372036854775808"), rules("max-memory=1g"))).status()).isEqualTo(400);
        assertThat(refused(create(withHostConfig("\"Memory\":-0,\"NanoCpus\":1"), rules("max-memory=1g"))).status()).isEqualTo(403);
        // null is the zero value, as Go leaves it
        assertForwarded(create(withHostConfig("\"Privileged\":null,\"CapAdd\":null,\"NetworkMode\":null,\"Binds\":null")));
    }

    @Test
    void nonRootCoversEverySpellingOfRoot() {
        Guardrails nonRoot = rules("non-root");
        for (String user : new String[] {"", "0", "00", "0000:5", "+0", "-0", "root", "root:root", "0:0", "toor", "1000x",
            "-1", "4294967296", " 1000"}) {
            Verdict.Refuse r = refused(create("{\"Image\":\"x\",\"User\":\"" + user + "\"}", nonRoot));
            assertThat(r.field()).as(user).isEqualTo("User");
            assertThat(r.status()).isEqualTo(403);
        }
        assertThat(refused(create("{\"Image\":\"x\"}", nonRoot)).field()).isEqualTo("User");
        assertForwarded(create("{\"Image\":\"x\",\"User\":\"1000\"}", nonRoot));
        assertForwarded(create("{\"Image\":\"x\",\"User\":\"1000:0\"}", nonRoot));
        assertForwarded(create("{\"Image\":\"x\",\"User\":\"root\"}"));
        assertThat(refused(inspect(Operation.CONTAINERS_EXEC, null, "{\"Cmd\":[\"sh\"],\"User\":\"0\"}", nonRoot)).field()).isEqualTo("User");
        assertForwarded(inspect(Operation.CONTAINERS_EXEC, null, "{\"Cmd\":[\"sh\"],\"User\":\"65534\"}", nonRoot));
    }

    @Test
    void execPrivilegedIsGuarded() {
        assertThat(refused(inspect(Operation.CONTAINERS_EXEC, null, "{\"Cmd\":[\"sh\"],\"Privileged\":true}", Guardrails.DEFAULT)).remedy())
                .isEqualTo("privileged");
        assertThat(refused(inspect(Operation.CONTAINERS_EXEC, null, "{\"Cmd\":[\"sh\"],\"privileged\":true}", Guardrails.DEFAULT)).field())
                .isEqualTo("Privileged");
        assertForwarded(inspect(Operation.CONTAINERS_EXEC, null, "{\"Cmd\":[\"sh\"],\"Privileged\":false,\"User\":\"\"}", Guardrails.DEFAULT));
    }

    @Test
    void readOnlyRootAndLimitsAreRequiredWhenAsked() {
        assertThat(refused(create("{\"Image\":\"x\"}", rules("read-only-rootfs"))).field()).isEqualTo("HostConfig.ReadonlyRootfs");
        assertForwarded(create(withHostConfig("\"ReadonlyRootfs\":true"), rules("read-only-rootfs")));
        Guardrails limits = rules("max-memory=512m max-cpus=1.5 max-pids=100");
        String ok = "\"Memory\":536870912,\"NanoCpus\":1500000000,\"PidsLimit\":100";
        assertForwarded(create(withHostConfig(ok), limits));
        assertThat(refused(create(withHostConfig("\"NanoCpus\":1500000000,\"PidsLimit\":100"), limits)).field()).isEqualTo("HostConfig.Memory");
        assertThat(refused(create(withHostConfig("\"Memory\":536870913,\"NanoCpus\":1,\"PidsLimit\":1"), limits)).field()).isEqualTo("HostConfig.Memory");
        assertThat(refused(create(withHostConfig("\"Memory\":1,\"PidsLimit\":1"), limits)).field()).isEqualTo("HostConfig.NanoCpus");
        assertForwarded(create(withHostConfig("\"Memory\":1,\"CpuQuota\":150000,\"PidsLimit\":1"), limits));
        assertThat(refused(create(withHostConfig("\"Memory\":1,\"CpuQuota\":150000,\"CpuPeriod\":50000,\"PidsLimit\":1"), limits)).field())
                .isEqualTo("HostConfig.CpuQuota");
        assertThat(refused(create(withHostConfig("\"Memory\":1,\"NanoCpus\":1,\"PidsLimit\":-1"), limits)).field()).isEqualTo("HostConfig.PidsLimit");
        // update: 0 leaves a limit alone, a negative one lifts it
        assertForwarded(inspect(Operation.CONTAINERS_UPDATE, null, "{\"Memory\":0,\"RestartPolicy\":{\"Name\":\"always\"}}", limits));
        assertThat(refused(inspect(Operation.CONTAINERS_UPDATE, null, "{\"Memory\":-1}", limits)).field()).isEqualTo("Memory");
        assertThat(refused(inspect(Operation.CONTAINERS_UPDATE, null, "{\"PidsLimit\":0}", limits)).field()).isEqualTo("PidsLimit");
        assertThat(refused(inspect(Operation.CONTAINERS_UPDATE, null, "{\"CpuPeriod\":1000}", limits)).field()).isEqualTo("CpuQuota");
        assertThat(refused(inspect(Operation.CONTAINERS_UPDATE, null, "{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}]}",
                Guardrails.DEFAULT)).remedy()).isEqualTo("devices");
    }

    @Test
    void imagePatternsJudgeNamesAndRefuseIds() {
        Guardrails images = rules("image=busybox image=ghcr.io/acme/* image=docker.io/library/alpine:3.*");
        for (String ok : new String[] {"busybox", "busybox:1.36", "docker.io/library/busybox", "index.docker.io/library/busybox:latest",
            "ghcr.io/acme/app:1", "ghcr.io/acme/team/app", "alpine:3.20", "busybox@sha256:" + "a".repeat(64)}) {
            assertForwarded(create("{\"Image\":\"" + ok + "\"}", images));
        }
        for (String no : new String[] {"alpine", "alpine:edge", "ghcr.io/acme-evil/app", "nginx", "busybox-evil", "abc123",
            "sha256:" + "a".repeat(64), "a".repeat(64), ""}) {
            assertThat(refused(create("{\"Image\":\"" + no + "\"}", images)).field()).as(no).isEqualTo("Image");
        }
        assertThat(refused(create("{\"Image\":\"nginx\"}", images)).remedy()).isEqualTo("image=docker.io/library/nginx");
        assertThat(refused(create(withHostConfig("\"Mounts\":[{\"Type\":\"image\",\"Source\":\"nginx\",\"Target\":\"/i\"}]")
                , images)).field()).isEqualTo("HostConfig.Mounts[0].Source");
        assertForwarded(create(withHostConfig("\"Mounts\":[{\"Type\":\"image\",\"Source\":\"nginx\",\"Target\":\"/i\"}]")));
    }

    @Test
    void forcedLabelsAreWrittenOverAnyVariantAndTheBytesAreTheInspectedDocument() {
        Guardrails team = rules("label=team=ci");
        Verdict v = GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, "application/json", null, -1,
                "{\"Image\":\"x\",\"labels\":{\"a\":\"1\",\"TEAM\":\"other\",\"owner\":\"me\",\"ownEr\":\"me2\"}, \"n\":1e2}"
                        .replace("\"ownEr\":\"me2\"", "\"x\":\"y\"").getBytes(StandardCharsets.UTF_8)),
                team, new Label("owner", "client-a"));
        assertThat(v).isInstanceOf(Verdict.Rewrite.class);
        String written = new String(((Verdict.Rewrite) v).body(), StandardCharsets.UTF_8);
        assertThat(written).isEqualTo("{\"Image\":\"x\",\"labels\":{\"a\":\"1\",\"x\":\"y\",\"team\":\"ci\",\"owner\":\"client-a\"},\"n\":1e2}");
        // the rewritten body passes the guard unchanged but for its own labels
        assertThat(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, null, null, -1, ((Verdict.Rewrite) v).body()),
                team, new Label("owner", "client-a"))).isInstanceOf(Verdict.Rewrite.class);
        Verdict added = GUARD.inspect(new GuardedRequest(Operation.VOLUMES_CREATE, null, null, null, 0, new byte[0]),
                Guardrails.DEFAULT, new Label("org.sockwarden.owner", "a"));
        assertThat(new String(((Verdict.Rewrite) added).body(), StandardCharsets.UTF_8)).isEqualTo("{\"Labels\":{\"org.sockwarden.owner\":\"a\"}}");
        Verdict ownerWins = GUARD.inspect(new GuardedRequest(Operation.NETWORKS_CREATE, null, null, null, -1,
                "{\"Name\":\"n\",\"Labels\":null}".getBytes(StandardCharsets.UTF_8)), rules("label=Owner=x"), new Label("owner", "a"));
        assertThat(new String(((Verdict.Rewrite) ownerWins).body(), StandardCharsets.UTF_8)).isEqualTo("{\"Name\":\"n\",\"Labels\":{\"owner\":\"a\"}}");
        Verdict service = GUARD.inspect(new GuardedRequest(Operation.SERVICES_CREATE, null, null, null, -1,
                "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\",\"Labels\":{\"owner\":\"b\"}}}}".getBytes(StandardCharsets.UTF_8)),
                Guardrails.DEFAULT, new Label("owner", "a"));
        assertThat(new String(((Verdict.Rewrite) service).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\",\"Labels\":{\"owner\":\"a\"}}},\"Labels\":{\"owner\":\"a\"}}");
        assertThat(refused(create("{\"Image\":\"x\",\"Labels\":{\"a\":1}}", team)).field()).isEqualTo("Labels.a");
    }

    @Test
    void volumesAndNetworks() {
        assertForwarded(inspect(Operation.VOLUMES_CREATE, null, "{\"Name\":\"v\",\"Driver\":\"local\",\"DriverOpts\":{}}", Guardrails.DEFAULT));
        assertForwarded(inspect(Operation.VOLUMES_CREATE, null, "{\"Name\":\"v\",\"DriverOpts\":{\"size\":\"1g\"}}", Guardrails.DEFAULT));
        Verdict.Refuse bind = refused(inspect(Operation.VOLUMES_CREATE, null,
                "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}", Guardrails.DEFAULT));
        assertThat(bind.field()).isEqualTo("DriverOpts.device");
        assertThat(bind.constraint()).contains("never allowed");
        assertThat(refused(inspect(Operation.VOLUMES_CREATE, null, "{\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/home\"}}",
                Guardrails.DEFAULT)).remedy()).isEqualTo("bind-path=/home");
        assertForwarded(inspect(Operation.VOLUMES_CREATE, null, "{\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/home/x\"}}",
                rules("bind-path=/home")));
        assertThat(refused(inspect(Operation.VOLUMES_CREATE, null, "{\"DriverOpts\":{\"type\":\"nfs\",\"o\":\"addr=10.0.0.1\",\"device\":\":/x\"}}",
                Guardrails.DEFAULT)).remedy()).isEqualTo("volume-mounts");
        assertThat(refused(inspect(Operation.VOLUMES_CREATE, null, "{\"Driver\":\"sshfs\"}", Guardrails.DEFAULT)).remedy()).isEqualTo("volume-drivers");
        assertForwarded(inspect(Operation.NETWORKS_CREATE, null, "{\"Name\":\"n\",\"Driver\":\"bridge\",\"Options\":{},\"IPAM\":{\"Driver\":\"default\"}}", Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.NETWORKS_CREATE, null, "{\"Name\":\"n\",\"Driver\":\"macvlan\"}", Guardrails.DEFAULT)).remedy()).isEqualTo("network-drivers");
        assertThat(refused(inspect(Operation.NETWORKS_CREATE, null, "{\"Name\":\"n\",\"Options\":{\"com.docker.network.bridge.name\":\"eth0\"}}",
                Guardrails.DEFAULT)).remedy()).isEqualTo("network-options");
        assertThat(refused(inspect(Operation.NETWORKS_CREATE, null, "{\"Name\":\"n\",\"IPAM\":{\"Driver\":\"x\"}}", Guardrails.DEFAULT)).field()).isEqualTo("IPAM.Driver");
    }

    @Test
    void servicesGetTheContainerGuardrails() {
        String template = "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\"%s}%s}%s}";
        assertForwarded(inspect(Operation.SERVICES_CREATE, null, String.format(template, "", "", ""), Guardrails.DEFAULT));
        Object[][] cases = {
            {",\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/h\"}]", "", "", "TaskTemplate.ContainerSpec.Mounts[0].Source"},
            {",\"CapabilityAdd\":[\"CAP_SYS_ADMIN\"]", "", "", "TaskTemplate.ContainerSpec.CapabilityAdd[0]"},
            {",\"Sysctls\":{\"a\":\"b\"}", "", "", "TaskTemplate.ContainerSpec.Sysctls"},
            {",\"Privileges\":{\"SELinuxContext\":{\"Disable\":true}}", "", "", "TaskTemplate.ContainerSpec.Privileges.SELinuxContext.Disable"},
            {",\"Privileges\":{\"Seccomp\":{\"Mode\":\"unconfined\"}}", "", "", "TaskTemplate.ContainerSpec.Privileges.Seccomp.Mode"},
            {",\"Privileges\":{\"AppArmor\":{\"Mode\":\"disabled\"}}", "", "", "TaskTemplate.ContainerSpec.Privileges.AppArmor.Mode"},
            {"", ",\"Networks\":[{\"Target\":\"host\"}]", "", "TaskTemplate.Networks[0].Target"},
            {"", "", ",\"Networks\":[{\"Target\":\"host\"}]", "Networks[0].Target"},
            {"", ",\"PluginSpec\":{\"Name\":\"p\"}", "", "TaskTemplate.PluginSpec"},
        };
        for (Object[] c : cases) {
            Verdict v = inspect(Operation.SERVICES_UPDATE, "version=3", String.format(template, c[0], c[1], c[2]), Guardrails.DEFAULT);
            assertThat(refused(v).field()).isEqualTo(c[3]);
        }
        Guardrails strict = rules("non-root read-only-rootfs max-memory=1g max-cpus=1 max-pids=10 image=busybox");
        assertThat(refused(inspect(Operation.SERVICES_CREATE, null, String.format(template, "", "", ""), strict)).field())
                .isEqualTo("TaskTemplate.ContainerSpec.User");
        assertForwarded(inspect(Operation.SERVICES_CREATE, null, String.format(template, ",\"User\":\"1000\",\"ReadOnly\":true",
                ",\"Resources\":{\"Limits\":{\"NanoCPUs\":1000000000,\"MemoryBytes\":1073741824,\"Pids\":10}}", ""), strict));
    }

    @Test
    void pluginsAndStart() {
        assertForwarded(inspect(Operation.PLUGINS_PULL, "remote=vieux/sshfs&name=sshfs", "[]", Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.PLUGINS_PULL, "remote=vieux/sshfs", "[{\"Name\":\"network\",\"Value\":[\"host\"]}]",
                Guardrails.DEFAULT)).remedy()).isEqualTo("plugin-privileges");
        assertThat(refused(inspect(Operation.PLUGINS_UPGRADE, "remote=x", "[{\"Name\":\"mount\",\"Value\":[\"/\"]}]", Guardrails.DEFAULT)).status())
                .isEqualTo(403);
        assertThat(refused(inspect(Operation.PLUGINS_CREATE, "name=p", null, Guardrails.DEFAULT)).remedy()).isEqualTo("plugin-privileges");
        assertForwarded(inspect(Operation.PLUGINS_SET, null, "[\"DEBUG=1\"]", Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.PLUGINS_SET, null, "[\"DEBUG=1\",\"mymount.source=/\"]", Guardrails.DEFAULT)).field()).isEqualTo("body[1]");
        assertForwarded(inspect(Operation.CONTAINERS_START, null, "", Guardrails.DEFAULT));
        assertForwarded(inspect(Operation.CONTAINERS_START, null, "{}", Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.CONTAINERS_START, null, "{\"Privileged\":true}", Guardrails.DEFAULT)).status()).isEqualTo(400);
    }

    @Test
    void queriesAreAllowListedAndJudgedByValue() {
        assertForwarded(inspect(Operation.CONTAINERS_LIST, "all=1&filters=%7B%7D&size=0", null, Guardrails.DEFAULT));
        assertForwarded(inspect(Operation.CONTAINERS_LIST, "", null, Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.CONTAINERS_LIST, "all=1&evil=1", null, Guardrails.DEFAULT)).field()).isEqualTo("query evil");
        assertThat(refused(inspect(Operation.CONTAINERS_LIST, "ALL=1", null, Guardrails.DEFAULT)).field()).isEqualTo("query ALL");
        assertThat(refused(inspect(Operation.CONTAINERS_LIST, "all=1;x=2", null, Guardrails.DEFAULT)).status()).isEqualTo(400);
        assertThat(refused(inspect(Operation.CONTAINERS_LIST, "all=%zz", null, Guardrails.DEFAULT)).status()).isEqualTo(400);
        assertThat(refused(inspect(Operation.CONTAINERS_START, "checkpoint-dir=/x&checkpoint=c", null, Guardrails.DEFAULT)).status()).isEqualTo(403);
        // images/create: only a registry pull
        assertForwarded(inspect(Operation.IMAGES_CREATE, "fromImage=busybox&tag=latest", null, Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "fromSrc=http://169.254.169.254/x&repo=a", null, Guardrails.DEFAULT)).remedy())
                .isEqualTo("image-import");
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "fromSrc=-&repo=alpine", null, Guardrails.DEFAULT)).field()).isEqualTo("query fromSrc");
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "%66romSrc=-&repo=alpine", null, Guardrails.DEFAULT)).field()).isEqualTo("query fromSrc");
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "fromImage=busybox&fromSrc=-", null, Guardrails.DEFAULT)).field()).isEqualTo("query fromSrc");
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "repo=alpine", null, Guardrails.DEFAULT)).field()).isEqualTo("query fromImage");
        Guardrails tagged = rules("image=alpine:3.*");
        assertForwarded(inspect(Operation.IMAGES_CREATE, "fromImage=alpine&tag=3.20", null, tagged));
        assertThat(refused(inspect(Operation.IMAGES_CREATE, "fromImage=alpine", null, tagged)).status()).as("every tag").isEqualTo(403);
        assertForwarded(inspect(Operation.IMAGES_CREATE, "fromImage=alpine", null, rules("image=alpine")));
        // build: remote, the host's network, Podman's parameters
        assertForwarded(inspect(Operation.IMAGES_BUILD, "t=x&rm=0&session=abc&buildid=1&cgroupparent=&ulimits=null&networkmode=default", null, Guardrails.DEFAULT));
        assertThat(refused(inspect(Operation.IMAGES_BUILD, "remote=https://example.com/x.git", null, Guardrails.DEFAULT)).remedy()).isEqualTo("build-remote");
        assertThat(refused(inspect(Operation.IMAGES_BUILD, "networkmode=host", null, Guardrails.DEFAULT)).remedy()).isEqualTo("host-network");
        assertThat(refused(inspect(Operation.IMAGES_BUILD, "cgroupparent=/", null, Guardrails.DEFAULT)).remedy()).isEqualTo("cgroup-parent");
        assertThat(refused(inspect(Operation.IMAGES_BUILD, "isolation=chroot", null, Guardrails.DEFAULT)).field()).isEqualTo("query isolation");
        for (String podman : new String[] {"addcaps", "devices", "nsoptions", "volume", "secrets", "httpproxy"}) {
            assertThat(refused(inspect(Operation.IMAGES_BUILD, podman + "=x", null, Guardrails.DEFAULT)).field()).isEqualTo("query " + podman);
        }
    }

    @Test
    void podmanAndUnknownEnginesNeedHostNetworkToBuild() {
        GuardedRequest build = new GuardedRequest(Operation.IMAGES_BUILD, "t=x", "application/x-tar", null, 10, null);
        Guard podman = GUARD.withEngine(EngineInfo.fromHeaders("Libpod/4.3.1 (linux)", "1.41", "4.3.1"));
        assertThat(refused(podman.inspect(build, Guardrails.DEFAULT, null)).remedy()).isEqualTo("host-network");
        assertThat(refused(GUARD.withEngine(EngineInfo.UNKNOWN).inspect(build, Guardrails.DEFAULT, null)).remedy()).isEqualTo("host-network");
        assertForwarded(podman.inspect(build, rules("host-network"), null));
        assertForwarded(GUARD.inspect(build, Guardrails.DEFAULT, null));
    }

    @Test
    void encodingsFormsAndSizeAreRefusedBeforeTheBody() {
        byte[] ok = "{\"Image\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        Verdict.Refuse gz = refused(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, "application/json", "gzip", ok.length, ok),
                Guardrails.DEFAULT, null));
        assertThat(gz.status()).isEqualTo(400);
        assertThat(gz.field()).isEqualTo("header Content-Encoding");
        assertThat(refused(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, null, "identity", ok.length, ok),
                Guardrails.DEFAULT, null)).field()).isEqualTo("header Content-Encoding");
        Verdict.Refuse form = refused(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_RENAME, "name=a", "Application/X-WWW-Form-Urlencoded; charset=utf-8",
                null, 6, null), Guardrails.DEFAULT, null));
        assertThat(form.field()).isEqualTo("header Content-Type");
        assertThat(refused(GUARD.inspect(new GuardedRequest(Operation.IMAGES_BUILD, null, "multipart/form-data; boundary=x", null, 6, null),
                Guardrails.DEFAULT, null)).status()).isEqualTo(400);
        byte[] big = new byte[Guard.BODY_CAP + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        Verdict.Refuse over = refused(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, null, null, -1, big), Guardrails.DEFAULT, null));
        assertThat(over.status()).isEqualTo(413);
        assertThat(refused(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, null, null, Guard.BODY_CAP + 1L, ok),
                Guardrails.DEFAULT, null)).status()).isEqualTo(413);
        byte[] atCap = new byte[Guard.BODY_CAP];
        java.util.Arrays.fill(atCap, (byte) ' ');
        System.arraycopy(ok, 0, atCap, 0, ok.length);
        assertForwarded(GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null, null, null, atCap.length, atCap), Guardrails.DEFAULT, null));
    }

    @Test
    void refusalsReadLikeTheProxysOther403s() {
        Verdict.Refuse r = refused(create(withHostConfig("\"Privileged\":true")));
        assertThat(r.message("ci", remedy -> "sockwarden guardrails ci +" + remedy)).isEqualTo("sockwarden: client \"ci\" may not call"
                + " containers.create with HostConfig.Privileged: privileged mode is root on the host; to allow it: sockwarden guardrails ci +privileged");
        Verdict.Refuse never = refused(create(withHostConfig("\"Binds\":[\"/var/run/docker.sock:/s\"]"), rules("bind-path=/")));
        assertThat(never.message("ci", x -> x)).startsWith("sockwarden: client \"ci\" may not call containers.create with HostConfig.Binds[0]:")
                .endsWith("; no guardrail allows it");
        assertThat(refused(create("{} {}")).message("ci", x -> x)).startsWith("sockwarden: client \"ci\" sent containers.create a request the guard refuses: body:");
    }
}
