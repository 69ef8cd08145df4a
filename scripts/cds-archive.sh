#!/usr/bin/env bash
# Makes sockwarden's class-data archive, for ./sockwarden and for the container image:
#   cds-archive.sh OUT WORKDIR GUEST_WORKDIR JAR JAVA [JVM OPTION]...
# A training run of `serve` lists the classes it loads, its request path included, and one static
# archive is dumped from that list (measured: 1.24 s -> 0.91 s from start to the first answer
# without the requests, 0.44 s -> 0.38 s from adding them on a faster machine). A static archive
# rather than a dynamic one on top of the JDK's: it also holds picocli, whose Java 5 class files a
# dynamic archive skips (about 40 ms less again).
# JAVA may run in another root (`chroot DIR /opt/java/bin/java`): JAR and GUEST_WORKDIR are the
# paths it sees of the jar and of WORKDIR, an empty directory of the caller's. Exits 0 with OUT
# written, or 1 with OUT absent.
# SOCKWARDEN_CACHE=aot (JDK 25 and later, for the container image): the same training run writes an
# ahead-of-time cache instead (-XX:AOTCacheOutput: classes loaded and linked, and method profiles),
# which the JVM assembles when the run ends; it is used with -XX:AOTCache=OUT.
set -uo pipefail
[ $# -ge 5 ] || { echo "usage: cds-archive.sh OUT WORKDIR GUEST_WORKDIR JAR JAVA [JVM OPTION]..." >&2; exit 2; }
out=$1 work=$2 guest=$3 jar=$4
shift 4
rm -f "$out"
record=-XX:DumpLoadedClassList="$guest/classes"
[ "${SOCKWARDEN_CACHE:-}" = aot ] && record=-XX:AOTCacheOutput="$guest/jsa"
CONTAINERS=1 "$@" "$record" -jar "$jar" serve --listen 127.0.0.1:0 --data "$guest/data" \
  --docker-socket "$guest/none.sock" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -f "$work/data/status.json" ] && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:0 (port \([0-9]*\)).*/\1/p' "$work/log" | head -1)
if [ -z "$port" ]; then
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  echo "cds-archive.sh: the training run of serve did not start: $(tail -5 "$work/log" 2>/dev/null | tr '\n' ' ')" >&2
  exit 1
fi
# Allowed, denied and malformed requests; with no engine behind, the allowed ones end in the 502 that says so.
for req in "GET /_ping" "HEAD /v1.41/_ping" "GET /v1.41/containers/json?all=1" "POST /v1.41/containers/create" "GET /%zz"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s HTTP/1.1\r\nHost: training\r\nConnection: close\r\n\r\n' "$req" >&3 \
    && timeout 5 cat <&3 >/dev/null) 2>/dev/null || true
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null
# Dumped under a name of its own and then moved, so a start meanwhile never maps half an archive.
if [ "${SOCKWARDEN_CACHE:-}" = aot ]; then
  [ -s "$work/jsa" ] && mv -f "$work/jsa" "$out" && exit 0
elif [ -s "$work/classes" ] && "$@" -Xshare:dump -XX:SharedClassListFile="$guest/classes" -XX:SharedArchiveFile="$guest/jsa" \
    -cp "$jar" >>"$work/log" 2>&1 && mv -f "$work/jsa" "$out"; then
  exit 0
fi
echo "cds-archive.sh: no class-data archive (log: $(tail -3 "$work/log" 2>/dev/null | tr '\n' ' '))" >&2
exit 1
