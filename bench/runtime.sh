#!/usr/bin/env bash
# Which Java runtime the container image ships: the root Dockerfile built (by scripts/image.sh) with
# the JDK 17 runtime and with the Temurin 25 runtime, around the same jar, each with what its
# runtime offers (17: a static class-data archive; 25: an ahead-of-time cache and compact object
# headers; scripts/jvm-options, Dockerfile). Containers of the two are started in turns, A then B,
# then B then A, so that whatever else the machine does is spread over both alike, and for each:
#   ready  from the container's process start (the entry point, which execs java) to the first
#          answer to GET /_ping on its listener
#   RSS    of that process, 10 s after it was ready, with no traffic, and how much of it is
#          anonymous memory (the rest is mapped files: the runtime, the class-data cache)
#   bench/runtime.sh [--rounds N] [--engine SOCKET]    (default 10 rounds; a private engine otherwise)
# Needs root. Prints a Markdown table of medians with the slowest and fastest run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds=10 engine=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    *) echo "usage: bench/runtime.sh [--rounds N] [--engine SOCKET]" >&2; exit 2 ;;
  esac
done
jdk17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
tmp=$(mktemp -d /tmp/swrt.XXXXXX)
own_engine=
cleanup() {
  docker rm -f -v swrt-a >/dev/null 2>&1 || true
  docker rmi -f swrt:jdk17 swrt:temurin25 >/dev/null 2>&1 || true
  [ -n "$own_engine" ] && "$root/scripts/engine.sh" stop "$own_engine"
  rm -rf --one-file-system "$tmp" "${own_engine:-/nonexistent}"
}
trap cleanup EXIT
if [ -z "$engine" ]; then
  own_engine=$(mktemp -d /tmp/swrte.XXXXXX)
  "$root/scripts/engine.sh" start "$own_engine"
  engine=$own_engine/docker.sock
fi
export DOCKER_HOST=unix://$engine

# Both compiled by Temurin 25's javac (for release 17, as always), so both hold the same classes;
# the JDK 17 image's runtime is cut from JDK 17.
echo "runtime.sh: building both images from the Dockerfile" >&2
SOCKWARDEN_IMAGE_JDK=$jdk25 SOCKWARDEN_IMAGE_RUNTIME_JDK=$jdk17 "$root/scripts/image.sh" swrt:jdk17
SOCKWARDEN_IMAGE_JDK=$jdk25 "$root/scripts/image.sh" swrt:temurin25

# Say whether the two jars hold the same classes.
for v in jdk17 temurin25; do
  docker create --name "swrt-$v-jar" "swrt:$v" >/dev/null
  docker cp "swrt-$v-jar:/opt/sockwarden/sockwarden.jar" "$tmp/$v.jar"
  docker rm "swrt-$v-jar" >/dev/null
done
same_classes=$(python3 - "$tmp/jdk17.jar" "$tmp/temurin25.jar" <<'PY'
import sys, zipfile
a, b = ({i.filename: i.CRC for i in zipfile.ZipFile(p).infolist() if i.filename != "META-INF/MANIFEST.MF"} for p in sys.argv[1:])
diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
print("identical" if not diff else f"{len(diff)} entries differ, e.g. {diff[0]}")
PY
)

boot_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
ticks=$(getconf CLK_TCK)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# measure VARIANT -> "READY_MS RSS_MB"
measure() {
  local v=$1 pid start ready deadline
  docker run -d --name swrt-a --network host --read-only -v "$engine:/var/run/docker.sock" -e CONTAINERS=1 "swrt:$v" \
    serve --listen "127.0.0.1:$port" >/dev/null
  pid=$(docker inspect --format '{{.State.Pid}}' swrt-a)
  deadline=$((SECONDS + 60))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/_ping"; do
    [ $SECONDS -lt $deadline ] || { docker logs swrt-a >&2; echo "runtime.sh: $v not ready within 60 s" >&2; exit 1; }
    sleep 0.005
  done
  ready=$(boot_ms)
  # /proc/PID/stat field 22: the process's start, in clock ticks since boot.
  start=$(awk -v t="$ticks" '{ printf "%d", $22 * 1000 / t }' "/proc/$pid/stat")
  sleep 10
  echo "$((ready - start)) $(awk '/^(VmRSS|RssAnon):/ { printf "%.1f ", $2 / 1024 }' "/proc/$pid/status")"
  docker rm -f -v swrt-a >/dev/null
}

declare -A ready rss anon_rss
for ((r = 1; r <= rounds; r++)); do
  order="jdk17 temurin25"; [ $((r % 2)) = 0 ] && order="temurin25 jdk17"
  for v in $order; do
    result=$(measure "$v")
    read -r ms mb anon <<<"$result"
    ready[$v]="${ready[$v]:-} $ms"; rss[$v]="${rss[$v]:-} $mb"; anon_rss[$v]="${anon_rss[$v]:-} $anon"
    echo "runtime.sh: round $r $v ready ${ms} ms, RSS ${mb} MB (anonymous ${anon} MB)" >&2
  done
done

stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { printf "%s (%s–%s)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
echo
echo "| runtime | ready, ms: median (fastest–slowest) | idle RSS, MB: median (lowest–highest) | of which anonymous, MB | image |"
echo "|---|---|---|---|---|"
for v in jdk17 temurin25; do
  size=$(docker image inspect --format '{{.Size}}' "swrt:$v" | awk '{ printf "%.0f MB", $1 / 1e6 }')
  echo "| $v | $(echo "${ready[$v]}" | stats) | $(echo "${rss[$v]}" | stats) | $(echo "${anon_rss[$v]}" | stats) | $size |"
done
echo
echo "$rounds rounds, each runtime started once per round, in turns; classes of the two jars: $same_classes;" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(date -u +%Y-%m-%d)."
