#!/usr/bin/env bash
# A private Docker engine for tests. Everything it has lives under DIR: its socket, data, state,
# pid files, logs, and its own containerd.
#   engine.sh start DIR   start it (bounded wait) and import the local test image
#   engine.sh stop DIR    stop it, its containers and shims, and unmount what it left under DIR
#   engine.sh env DIR     print the export line for the tests
#
# Keep DIR short: unix socket paths are limited to 107 bytes, and containerd's live under DIR.
#
# Why a containerd of our own: dockerd 20.10 without --containerd uses the system containerd
# whenever /run/containerd/containerd.sock merely exists (it does not check that anything
# listens), sharing its "moby" namespace with every other engine there, and only supervises a
# containerd of its own otherwise. Starting one here, with root, state and socket under DIR and
# handing it to dockerd with --containerd, gives the same result on every machine and lets
# `stop` find exactly what `start` started. Processes are recognised by their own arguments, which
# must name exactly this DIR's files (dockerd --pidfile DIR/dockerd.pid, containerd --config
# DIR/containerd.toml, shims -address DIR/containerd.sock), so a dockerd, containerd or shim of
# anyone else, the system's or another engine.sh's (even one in a DIR below this one), is never
# touched. Only mounts under DIR/data and DIR/exec are unmounted.
set -euo pipefail

IMAGE=sockwarden-test/busybox:latest
usage() { echo "usage: engine.sh start|stop|env DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m -- "$2")
case "$dir" in /) echo "engine.sh: DIR must be a directory of its own, not /" >&2; exit 2 ;; esac
sock="$dir/docker.sock"
ctd_sock="$dir/containerd.sock"
export DOCKER_CONFIG="$dir/cli-config"   # no user config (contexts, proxies, credential helpers)
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

log() { echo "engine.sh: $*" >&2; }
die() { log "$*"; exit 1; }
dk() { docker -H "unix://$sock" "$@"; }
answers() { [ -S "$sock" ] && timeout 10 docker -H "unix://$sock" version >/dev/null 2>&1; }

# has_arg PID FLAG VALUE...: true if PID's argv holds FLAG followed by exactly one of the VALUEs.
has_arg() {
  local pid=$1 flag=$2 i v
  shift 2
  local -a a
  mapfile -d '' -t a <"/proc/$pid/cmdline" 2>/dev/null || return 1
  for ((i = 0; i + 1 < ${#a[@]}; i++)); do
    [[ ${a[i]} == "$flag" ]] || continue
    for v in "$@"; do [[ ${a[i + 1]} == "$v" ]] && return 0; done
  done
  return 1
}

# pids_of NAME FLAG VALUE...: processes named NAME whose FLAG is one of the VALUEs (no forks: fast).
pids_of() {
  local name=${1:0:15} p comm # the kernel keeps 15 characters of the name
  shift
  for p in /proc/[0-9]*; do
    read -r comm <"$p/comm" 2>/dev/null || continue
    [[ $comm == "$name" ]] || continue
    if has_arg "${p#/proc/}" "$@"; then echo "${p#/proc/}"; fi
  done
  return 0
}
# This DIR's processes. The second values match engines whose dockerd supervised its own
# containerd (how earlier versions of this script ran them), so `stop` still cleans those up.
our_dockerd() { pids_of dockerd --pidfile "$dir/dockerd.pid"; }
our_containerd() { pids_of containerd --config "$dir/containerd.toml" "$dir/exec/containerd/containerd.toml"; }
our_shims() { pids_of containerd-shim-runc-v2 -address "$ctd_sock" "$dir/exec/containerd/containerd.sock"; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# terminate SECONDS PID...: SIGTERM, wait up to SECONDS for all to exit, then SIGKILL the rest.
terminate() {
  local secs=$1 p left
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((t = 0; t < secs * 10; t++)); do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
  for p in "$@"; do
    if alive "$p"; then
      log "pid $p did not stop within ${secs}s: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  for ((t = 0; t < 50; t++)); do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
}

# Mount points of this engine (under DIR/data, DIR/exec), deepest first (mountinfo field 5, decoded).
mounts_under() {
  local f mp
  while read -r -a f; do
    mp=$(printf '%b' "${f[4]}")
    if [[ $mp == "$dir/data" || $mp == "$dir/data/"* || $mp == "$dir/exec" || $mp == "$dir/exec/"* ]]; then echo "$mp"; fi
  done </proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

write_containerd_config() {
  cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/data/containerd"
state = "$dir/exec/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$ctd_sock"

[ttrpc]
  address = ""

[debug]
  address = ""
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/data/containerd/opt"
EOF
}

make_image() {
  dk image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  local busybox rootfs
  busybox=$(command -v busybox) || die "busybox is missing (apt-get install busybox-static)"
  if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is not statically linked (apt-get install busybox-static)"
  fi
  rootfs="$dir/rootfs"
  rm -rf "$rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
  chmod 1777 "$rootfs/tmp"
  cp "$busybox" "$rootfs/bin/busybox"
  # Inside the rootfs, so the links point at /bin/busybox and not at the path seen from here.
  chroot "$rootfs" /bin/busybox --install -s /bin
  echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
  echo "root:x:0:" >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | dk import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "imported $IMAGE"
}

start() {
  [ "$(id -u)" = 0 ] || die "needs root (it starts dockerd and containerd)"
  for b in dockerd containerd containerd-shim-runc-v2 runc docker; do
    command -v "$b" >/dev/null || die "$b is missing (apt-get install docker.io)"
  done
  [ ${#ctd_sock} -le 90 ] || die "DIR is too long for unix sockets under it: $dir (keep it under ~70 characters)"
  mkdir -p "$dir"
  if answers; then
    [ -n "$(our_dockerd)" ] || die "a dockerd this script did not start answers at $sock; choose another DIR"
    log "engine already running at $sock"
    make_image
    return 0
  fi
  stop_all quiet # whatever a crashed earlier start left
  rm -f "$sock" "$ctd_sock"
  mkdir -p "$dir/data" "$dir/exec"
  write_containerd_config
  local t0=$SECONDS ctd_pid d_pid
  setsid containerd --config "$dir/containerd.toml" </dev/null >"$dir/containerd.log" 2>&1 &
  ctd_pid=$!
  for ((i = 0; i < 300; i++)); do
    [ -S "$ctd_sock" ] && break
    alive "$ctd_pid" || { tail -30 "$dir/containerd.log" >&2; die "containerd exited; log above"; }
    sleep 0.1
  done
  [ -S "$ctd_sock" ] || { tail -30 "$dir/containerd.log" >&2; stop_all quiet; die "containerd did not listen within 30 s"; }

  # --iptables/--bridge off: no network setup outside the sandbox; vfs works on any filesystem.
  setsid dockerd --host "unix://$sock" --containerd "$ctd_sock" \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
    --shutdown-timeout 5 </dev/null >"$dir/dockerd.log" 2>&1 &
  d_pid=$!
  for ((i = 0; i < 600; i++)); do
    answers && break
    alive "$d_pid" || { tail -30 "$dir/dockerd.log" >&2; stop_all quiet; die "dockerd exited; log above"; }
    sleep 0.1
  done
  answers || { tail -30 "$dir/dockerd.log" >&2; stop_all quiet; die "dockerd did not answer within 60 s"; }
  log "engine up at $sock in $((SECONDS - t0)) s"
  make_image
}

# Stops everything of this DIR's engine, in order, each step bounded.
stop_all() {
  local quiet=${1:-} pids p ns id addr
  pids=$(our_dockerd)
  if [ -n "$pids" ]; then
    # Kill running containers first: their main processes may ignore SIGTERM (a shell as PID 1).
    if answers; then
      timeout 30 docker -H "unix://$sock" ps -q 2>/dev/null | xargs -r timeout 30 docker -H "unix://$sock" kill >/dev/null 2>&1 || true
    fi
    # shellcheck disable=SC2086
    terminate 20 $pids
  fi
  # shellcheck disable=SC2086
  terminate 10 $(our_containerd)
  # Containers whose shim outlived containerd (only after a SIGKILL): runc state is under DIR.
  for ns in "$dir"/exec/runtime-runc/*/; do
    [ -d "$ns" ] || continue
    for id in $(timeout 10 runc --root "$ns" list -q 2>/dev/null); do
      timeout 10 runc --root "$ns" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  for p in $(our_shims); do
    # The shim's socket lives in /run/containerd/s, named by sha256(address/namespace/id).
    local -a a
    mapfile -d '' -t a <"/proc/$p/cmdline" 2>/dev/null || continue
    addr='' ns='' id=''
    for ((i = 0; i + 1 < ${#a[@]}; i++)); do
      case ${a[i]} in -address) addr=${a[i + 1]} ;; -namespace) ns=${a[i + 1]} ;; -id) id=${a[i + 1]} ;; esac
    done
    kill -KILL "$p" 2>/dev/null || true
    if [ -n "$addr" ] && [ -n "$ns" ] && [ -n "$id" ]; then
      rm -f "/run/containerd/s/$(printf '%s' "$addr/$ns/$id" | sha256sum | cut -c1-64)"
    fi
  done
  # Mounts dockerd leaves on a hard stop (its data-root bind, network namespaces), deepest first.
  local m
  local mp tries
  for ((tries = 0; tries < 3; tries++)); do
    mp=$(mounts_under)
    [ -z "$mp" ] && break
    while IFS= read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done <<<"$mp"
  done
  if [ -n "$(mounts_under)" ]; then
    log "mounts left under $dir:"
    mounts_under >&2
    return 1
  fi
  rm -f "$dir/dockerd.pid"
  [ -n "$quiet" ] || log "engine at $dir stopped"
}

case "$cmd" in
  start) start ;;
  stop) if [ -d "$dir" ]; then stop_all; fi ;;
  env) printf 'export SOCKWARDEN_TEST_DOCKER_SOCKET=%q\n' "$sock" ;;
  *) usage ;;
esac
