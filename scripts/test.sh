#!/usr/bin/env bash
# The whole test run on a fresh Debian/Ubuntu machine, from any directory:
#   installs what is missing, starts a private Docker engine (scripts/engine.sh) in a short temp
#   dir under /tmp, exports SOCKWARDEN_TEST_DOCKER_SOCKET, runs `mvn -B -ntp verify "$@"` in the
#   repository root, and always stops the engine. Exits with mvn's exit code.
# Engine tests are mandatory here (CI=true unless set): this script provides the engine, so an
# engine test that cannot reach it is a failure, not a skip.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "test.sh: $*" >&2; }

# command-or-check → Debian package
need=()
want() { if ! eval "$1" >/dev/null 2>&1; then need+=("$2"); fi; }
want 'command -v dockerd && command -v containerd && command -v runc' docker.io
want 'command -v busybox && ! ldd "$(command -v busybox)"' busybox-static
want 'command -v script && command -v setpriv && command -v unshare' util-linux
# PeerUidTest: a user known only to NSS (a systemd user record), to show --peer-uid never reads /etc/passwd.
want 'ldconfig -p | grep -q libnss_systemd.so.2' libnss-systemd
want 'command -v socat' socat
want 'command -v openssl' openssl
want 'command -v curl' curl
# DurabilityTest watches the CLI's flushes and renames.
want 'command -v strace' strace
want '/usr/bin/python3 -c "import docker"' python3-docker
# The metrics tests read /metrics with the Prometheus project's own parser; the status page is
# loaded in headless Chromium.
want '/usr/bin/python3 -c "import prometheus_client.parser"' python3-prometheus-client
want 'test -x /usr/bin/chromium' chromium
# With AppArmor on in the kernel, dockerd gives containers its docker-default profile, which it
# loads with apparmor_parser; docker.io only recommends apparmor. (Not seen here: these machines'
# kernels have no AppArmor.)
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
  want 'command -v apparmor_parser' apparmor
fi
# The image tests (scripts/image.sh builds the root Dockerfile from this machine's files) and the
# examples' tests: docker-compose runs them, systemd-analyze checks the unit.
want 'command -v docker-compose' docker-compose
want 'command -v systemd-analyze' systemd
want 'command -v mvn' maven
want 'command -v javac' openjdk-17-jdk-headless
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing: ${need[*]}"
    log "run as root, or install them first: sudo apt-get install ${need[*]}"
    exit 1
  fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null
fi
command -v docker >/dev/null || { log "the docker CLI is missing (docker.io provides one)"; exit 1; }
if [ "$(id -u)" != 0 ]; then
  log "the private engine needs root (dockerd, containerd, mounts): run as root"
  exit 1
fi

engine_dir=$(mktemp -d /tmp/swe.XXXXXX)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if "$here/scripts/engine.sh" stop "$engine_dir"; then
    # Only when nothing is mounted under it any more; never across a file system boundary.
    rm -rf --one-file-system "$engine_dir" 2>/dev/null || log "could not remove $engine_dir"
  else
    log "engine in $engine_dir not fully stopped; left it in place"
  fi
  exit "$rc"
}
# Maven runs in the background so that a signal to this script alone (CI timeouts send SIGTERM to
# the top process only) is handled at once, not after Maven ends: the trap ends Maven, then the
# EXIT trap stops the engine. SIGTERM, because a background job of a script ignores SIGINT.
child=
on_signal() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$child" 2>/dev/null || true
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

"$here/scripts/engine.sh" start "$engine_dir"
eval "$("$here/scripts/engine.sh" env "$engine_dir")"
export SOCKWARDEN_TEST_DOCKER_SOCKET
export CI="${CI:-true}"

cd "$here"
mvn -B -ntp -Dstyle.color=never verify "$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=
exit "$rc"
