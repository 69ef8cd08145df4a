#!/usr/bin/env bash
# A private Docker engine for tests: its socket, data, state and containerd all live under DIR.
#   engine.sh start DIR   start it (bounded wait) and import the local test image
#   engine.sh stop DIR    stop it and unmount what it left
#   engine.sh env DIR     print the export line for the tests
set -euo pipefail

IMAGE=sockwarden-test/busybox:latest
cmd=${1:?usage: engine.sh start|stop|env DIR}
dir=${2:?usage: engine.sh start|stop|env DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/docker.sock"

start() {
  if [ -S "$sock" ] && docker -H "unix://$sock" version >/dev/null 2>&1; then
    echo "engine.sh: engine already running at $sock" >&2
  else
    # --iptables/--bridge off: no network setup outside the sandbox; vfs works on any filesystem.
    dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" \
      --pidfile "$dir/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
      --storage-driver=vfs >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do
      docker -H "unix://$sock" version >/dev/null 2>&1 && break
      kill -0 $! 2>/dev/null || { echo "engine.sh: dockerd exited; its log:" >&2; tail -30 "$dir/dockerd.log" >&2; exit 1; }
      sleep 0.5
    done
    docker -H "unix://$sock" version >/dev/null 2>&1 || { echo "engine.sh: dockerd did not answer within 60 s" >&2; tail -30 "$dir/dockerd.log" >&2; exit 1; }
  fi
  if ! docker -H "unix://$sock" image inspect "$IMAGE" >/dev/null 2>&1; then
    rootfs="$dir/rootfs"
    rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp "$(command -v busybox)" "$rootfs/bin/busybox"
    # Applet links as `busybox --install -s` makes them, without running anything as root in the rootfs.
    for applet in $("$rootfs/bin/busybox" --list); do
      [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
    done
    echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
    tar -C "$rootfs" -c . | docker -H "unix://$sock" import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
    rm -rf "$rootfs"
  fi
  echo "engine.sh: engine ready at $sock" >&2
}

stop() {
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      docker -H "unix://$sock" ps -aq 2>/dev/null | xargs -r docker -H "unix://$sock" rm -f >/dev/null 2>&1 || true
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/dockerd.pid"
  fi
  # containerd started by this dockerd keeps its state under our exec root.
  pkill -f "containerd --config $dir/exec/" 2>/dev/null || true
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  env) echo "export SOCKWARDEN_TEST_DOCKER_SOCKET=$sock" ;;
  *) echo "usage: engine.sh start|stop|env DIR" >&2; exit 2 ;;
esac
