-- POST /containers/create with what `docker run -d --network none IMAGE sleep 1` sends (the body the
-- guard reads whole and judges); each container is labelled sw-bench-create=1, which run.sh removes
-- afterwards (only those: the containers the stream cells use, labelled sw-bench=1, outlive this cell).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,'
  .. '"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sleep","1"],'
  .. '"Image":"sockwarden-test/busybox:latest","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,'
  .. '"Labels":{"sw-bench-create":"1"},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},'
  .. '"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,'
  .. '"VolumeDriver":"","VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],'
  .. '"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,'
  .. '"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"",'
  .. '"UsernsMode":"","ShmSize":0,"ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,'
  .. '"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],'
  .. '"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,'
  .. '"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,'
  .. '"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,'
  .. '"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,'
  .. '"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{}}}'

-- wrk counts a non-2xx answer as a request like any other: a refused create would measure the 403.
done = function(summary, latency, requests)
  if summary.errors.status > 0 then
    io.stderr:write("create.lua: " .. summary.errors.status .. " answers were not 2xx\n")
  end
end
