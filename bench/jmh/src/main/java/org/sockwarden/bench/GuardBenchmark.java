package org.sockwarden.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.GuardedRequest;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.HostPaths;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.guard.Verdict;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.listener.Ruling;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.policy.Decision;
import org.sockwarden.proxy.policy.Presets;

/**
 * The guard's decision on the body docker CLI 28 sends for {@code docker run -d --network none IMAGE sleep 1}
 * (captured byte for byte; 1.9 KB): with default guardrails (the body passes as received), with the
 * owner label forced onto it (the body is rewritten), and refused ({@code --privileged}). And what
 * every other request pays for the guard: the ruling at its head ({@link Ruling#of}) on {@code GET /_ping}
 * and on {@code GET /containers/json?all=1}, beside the permission decision alone. Run with
 * {@code -prof gc} for allocation per decision.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GuardBenchmark {

    static final String RUN_BODY = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,"
            + "\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"sleep\",\"1\"],"
            + "\"Image\":\"sockwarden-test/busybox:latest\",\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
            + "\"Labels\":{},\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},"
            + "\"NetworkMode\":\"none\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},"
            + "\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\":null,"
            + "\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,"
            + "\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":PRIVILEGED,"
            + "\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
            + "\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,"
            + "\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],"
            + "\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,"
            + "\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":null,\"DeviceRequests\":null,"
            + "\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,"
            + "\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,"
            + "\"ReadonlyPaths\":null},\"NetworkingConfig\":{\"EndpointsConfig\":{\"none\":{\"IPAMConfig\":null,\"Links\":null,"
            + "\"Aliases\":null,\"MacAddress\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\","
            + "\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\","
            + "\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}}}}";

    private final Guard guard = new Guard(HostPaths.hidden(Path.of("/var/run/docker.sock"), Path.of("/var/lib/sockwarden")),
            new EngineInfo("20.10.24", "1.41", false));
    private final byte[] plain = RUN_BODY.replace("PRIVILEGED", "false").getBytes(StandardCharsets.UTF_8);
    private final byte[] privileged = RUN_BODY.replace("PRIVILEGED", "true").getBytes(StandardCharsets.UTF_8);
    private final Label owner = new Label("org.sockwarden.owner", "ci-runner");

    private final Client traefik = new Client("traefik", Presets.get("traefik").permissionSet(), Client.GrantAdvice.CLI);
    private final GuardedRequest ping = new GuardedRequest(Operation.SYSTEM_PING, null, null, null, 0, null);
    private final GuardedRequest list = new GuardedRequest(Operation.CONTAINERS_LIST, "all=1", null, null, 0, null);

    /** The permission decision on an operation the catalog matched: what a GET cost before the guard. */
    @Benchmark
    public Decision permissionOnly() {
        return Decider.decide(traefik.permissions(), Operation.CONTAINERS_LIST);
    }

    @Benchmark
    public Ruling headRulingPing() {
        return Ruling.of(traefik, Decider.decide(traefik.permissions(), Operation.SYSTEM_PING), guard, ping, "GET", "/_ping");
    }

    @Benchmark
    public Ruling headRulingListWithQuery() {
        return Ruling.of(traefik, Decider.decide(traefik.permissions(), Operation.CONTAINERS_LIST), guard, list, "GET",
                "/v1.41/containers/json");
    }

    private Verdict inspect(byte[] body, Label label) {
        return guard.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, "name=web", "application/json", null, body.length, body),
                Guardrails.DEFAULT, label);
    }

    @Benchmark
    public Verdict defaultGuardrails() {
        return inspect(plain, null);
    }

    @Benchmark
    public Verdict ownerLabelRewrite() {
        return inspect(plain, owner);
    }

    @Benchmark
    public Verdict refusedPrivileged() {
        return inspect(privileged, null);
    }
}
