#!/usr/bin/env bash
# sockwarden against a direct socat passthrough and an HAProxy reference, in one run, on one engine.
#   bench/run.sh [--quick] [--engine SOCKET] [--write]
# --quick: short runs (for a smoke test); --write: update bench/RESULTS.md (the default for full runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=0; engine=""; write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; write=0 ;;
    --engine) engine="$2"; shift ;;
    --write) write=1 ;;
    *) echo "usage: bench/run.sh [--quick] [--engine SOCKET] [--write]" >&2; exit 2 ;;
  esac
  shift
done
# Every req/s cell runs its targets in turn, `rounds` times, and reports each target's median: on
# two shared cores a single 10 s run of the same code varied by a third, and taking turns spreads
# any drift of the machine or the engine over all the targets alike.
rounds=3; dur=4s; hs_secs=10; hold=60; events_n=1000
[ $quick = 1 ] && { dur=1s; hs_secs=3; hold=10; events_n=200; }

. "$here/tools.sh"
need bench wrk socat haproxy curl python3 openssl

# Measured first, on a machine nothing of the bench runs on yet.
read -r probe_cpu probe_syscall probe_wakeup <<<"$(python3 "$here/probe.py")"

. "$here/setup.sh" swb
D="docker -H unix://$engine"
IMAGE=sockwarden-test/busybox:latest
echo "bench: preparing containers" >&2
for i in $(seq 1 20); do $D run -d --network none --label sw-bench=1 $IMAGE sleep 3600 >/dev/null; done
CID=$($D run -d --network none --label sw-bench=1 $IMAGE sleep 3600)
LOG=$($D run -d --network none --label sw-bench=1 $IMAGE sh -c "L=\$(head -c 999 /dev/zero | tr '\\0' x); yes \"\$L\" | head -c 104857600")
$D wait "$LOG" >/dev/null
mkdir "$tmp/upload" && head -c 104857600 /dev/zero > "$tmp/upload/blob" && tar cf "$tmp/upload.tar" -C "$tmp/upload" blob && rm -r "$tmp/upload"
trap 'cleanup; ' EXIT
remove_labelled() { $D ps -aq --filter label="$1" | xargs -r $D rm -f >/dev/null 2>&1 || true; }
cleanup_containers() { remove_labelled sw-bench=1; remove_labelled sw-bench-create=1; }
trap 'cleanup_containers; cleanup' EXIT

"$root/sockwarden" --version >/dev/null
ulimit -n 65536 2>/dev/null || true

# nodelay: without it Nagle and delayed ACKs add 40 ms to every chunked answer on the direct path.
socat TCP-LISTEN:23750,bind=127.0.0.1,reuseaddr,fork,nodelay UNIX-CONNECT:"$engine" & pids+=($!)
for variant in close:23751 keepalive:23753; do
  name=${variant%%:*}; port=${variant##*:}
  reuse="option http-server-close"; [ $name = keepalive ] && reuse="http-reuse always"
  sed -e "s|@PORT@|$port|" -e "s|@SOCKET@|$engine|" -e "s|@REUSE@|$reuse|" "$here/haproxy.cfg.template" > "$tmp/haproxy-$name.cfg"
  haproxy -f "$tmp/haproxy-$name.cfg" -db >/dev/null 2>&1 & pids+=($!)
done

# The median of values such as 5729.49, 163.00us or 1.58ms (wrk's units).
median() {
  awk '{ v = $1; n = v; sub(/[a-z]+$/, "", n); u = substr(v, length(n) + 1)
         print n * (u == "ms" ? 1000 : u == "s" ? 1000000 : 1), v }' | sort -g |
    awk '{ a[NR] = $2 } END { print (NR ? a[int((NR + 1) / 2)] : "-") }'
}

# Time to ready and idle RSS: plain starts, as a drop-in deployment runs; the median of five.
idle_wait=10; [ $quick = 1 ] && idle_wait=3
ready_runs=()
for i in 1 2 3 4 5; do
  start_ns=$(date +%s%N)
  CONTAINERS=1 POST=1 EXEC=1 INFO=1 "$root/sockwarden" serve --listen 127.0.0.1:23752 --docker-socket "$engine" \
    --data "$tmp/data" > "$tmp/sockwarden-plain.log" 2>&1 & first=$!
  until curl -sf -o /dev/null http://127.0.0.1:23752/_ping; do sleep 0.01; done
  ready_runs+=($(( ($(date +%s%N) - start_ns) / 1000000 )))
  swpid=$(pgrep -f "sockwarden.jar serve --listen 127.0.0.1:23752" | head -1)
  # Idle: 10 s after the first answer with no traffic, once start-up's compilations have settled.
  [ $i = 5 ] && { sleep $idle_wait; rss_idle=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$swpid/status); }
  kill -TERM "$swpid"; wait "$first" 2>/dev/null || true
done
ready_ms=$(printf '%s\n' "${ready_runs[@]}" | median)

# The floor under that RSS, measured the same way with the same JVM flags: a JVM that only waits
# (with the JDK's own class-data archive), and an empty Jetty server answering 200 (bench/floor,
# with a static class-data archive trained on its requests, as sockwarden's is).
echo "bench: the memory floor (bench/floor)" >&2
(cd "$root" && mvn -B -q -ntp -Dstyle.color=never -Pbench -pl bench/floor package -DskipTests >&2)
floor_jar="$root/bench/floor/target/floor.jar"
read -r -a jvm_flags <<<"$("$root/scripts/jvm-options.sh" java)"
floor_start() { # [java option]... -- floor argument... -> its pid, once it is ready (and has answered once)
  local opts=() pid
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  java "${jvm_flags[@]}" "${opts[@]}" -jar "$floor_jar" "$@" > "$tmp/floor.log" 2>&1 & pid=$!
  for _ in $(seq 1 500); do
    grep -q '^ready' "$tmp/floor.log" && { [ "$1" = jvm ] || curl -sf -o /dev/null http://127.0.0.1:23758/; } && break
    sleep 0.01
  done
  echo $pid
}
floor_rss() { # [java option]... -- floor argument... -> RSS in MB, idle_wait s after its first answer, as sockwarden's
  local pid rss
  pid=$(floor_start "$@")
  sleep $idle_wait
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$rss"
}
floor_pid=$(floor_start -XX:DumpLoadedClassList="$tmp/floor.classes" -- jetty 23758)
for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:23758/ || true; done
kill "$floor_pid"; wait "$floor_pid" 2>/dev/null || true
java "${jvm_flags[@]}" -Xshare:dump -XX:SharedClassListFile="$tmp/floor.classes" -XX:SharedArchiveFile="$tmp/floor.jsa" \
  -cp "$floor_jar" >/dev/null 2>&1 || echo "bench: no class-data archive for bench/floor" >&2
rss_floor_jvm=$(floor_rss -- jvm)
rss_floor_jetty=$(floor_rss -XX:SharedArchiveFile="$tmp/floor.jsa" -Xshare:auto -- jetty 23758)

# The measured process also serves mutual TLS, to a certificate-only client with the drop-in client's permissions.
"$root/sockwarden" client add bench-tls --allow CONTAINERS,POST,EXEC,INFO,PING,VERSION,EVENTS --data "$tmp/data" >/dev/null
"$root/sockwarden" cert issue bench-tls --out "$tmp/certs" --data "$tmp/data" >/dev/null
CONTAINERS=1 POST=1 EXEC=1 INFO=1 CONTAINERS_ARCHIVE_PUT=1 "$root/sockwarden" serve --listen 127.0.0.1:23752 --docker-socket "$engine" \
  --tls-listen 127.0.0.1:23755 --data "$tmp/data" > "$tmp/sockwarden.log" 2>&1 & pids+=($!)
until curl -sf -o /dev/null http://127.0.0.1:23752/_ping; do sleep 0.01; done
swpid=$(pgrep -f "sockwarden.jar serve --listen 127.0.0.1:23752" | head -1)
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$swpid/status; }

# The JIT compiles the hot path in the first seconds under load; measure the warm process, as it runs for weeks.
echo "bench: warming sockwarden up" >&2
warm=10s; [ $quick = 1 ] && warm=3s
for p in /_ping "/v1.41/containers/$CID/json" /v1.41/containers/json /v1.41/networks; do
  wrk -t2 -c16 -d$warm "http://127.0.0.1:23752$p" >/dev/null 2>&1
done
wrk -t2 -c16 -d$warm -s "$here/head.lua" http://127.0.0.1:23752/_ping >/dev/null 2>&1

declare -A port=([direct]=23750 [haproxy]=23751 [haproxy-ka]=23753 [sockwarden]=23752)
targets=(direct haproxy haproxy-ka sockwarden)
rows=()
wrk_run() { # target path conns [lua] -> "req/s p50 p99"
  local t=$1 p=$2 c=$3 lua=${4:-} threads=1
  [ "$c" -gt 1 ] && threads=2
  local out
  out=$(wrk -t$threads -c$c -d$dur --latency ${lua:+-s "$here/$lua"} "http://127.0.0.1:${port[$t]}$p" 2>&1)
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $p50 $p99"
}
cell() { # key path conns lua target... -> result[key|target] = "req/s p50 p99", each the median of the rounds
  local key=$1 path=$2 c=$3 lua=$4 t r
  shift 4
  local -A runs=()
  for r in $(seq 1 $rounds); do
    for t in "$@"; do
      echo "bench: $t $key (round $r of $rounds)" >&2
      runs[$t]+="$(wrk_run $t "$path" $c "$lua")"$'\n'
    done
  done
  for t in "$@"; do summarise "$key" "$t" "${runs[$t]}"; done
}
summarise() { # key target runs -> result[key|target] = the medians of the runs' "req/s p50 p99" lines
  result["$1|$2"]="$(awk 'NF {print $1}' <<<"$3" | median) $(awk 'NF {print $2}' <<<"$3" | median) $(awk 'NF {print $3}' <<<"$3" | median)"
}

declare -A result
endpoints=("HEAD /_ping|/_ping|head.lua" "GET /_ping|/_ping|" "GET /v1.41/version|/v1.41/version|"
           "GET /v1.41/containers/json|/v1.41/containers/json|" "GET /v1.41/containers/{id}/json|/v1.41/containers/$CID/json|")
for e in "${endpoints[@]}"; do
  IFS='|' read -r label path lua <<<"$e"
  for c in 1 16; do
    cell "$label|$c" "$path" $c "$lua" "${targets[@]}"
    if [ $c = 16 ] && [ "$label" = "GET /v1.41/containers/json" ]; then rss_load=$(rss); fi
  done
done
for c in 1 16; do
  cell "deny GET /v1.41/networks (403)|$c" /v1.41/networks $c "" haproxy sockwarden
done
# What the guard costs where it reads a body: docker run's create body, judged whole before it is forwarded.
# One connection only; each request creates a container, removed afterwards by its own label (the
# stream cells still need the sw-bench=1 containers: removing those too left every stream a 404).
cell "POST /v1.41/containers/create|1" /v1.41/containers/create 1 create.lua direct sockwarden
remove_labelled sw-bench-create=1

# What the audit trail costs: its own cell (bench/audit.sh), four more sockwardens taking turns on
# GET /_ping at 16 connections, on this engine; they are stopped before the next cell.
echo "bench: audit trail on and off (bench/audit.sh)" >&2
# A cell that fails is reported as failed, never the end of the bench.
audit_cell=$("$here/audit.sh" --engine "$engine" $([ $quick = 1 ] && echo --quick)) ||
  audit_cell="The audit trail's cell (bench/audit.sh) failed with exit status $?; its output is on the bench's stderr."

# Mutual TLS: wrk cannot present a client certificate, so a socat per connection does (kept alive, as
# wrk keeps its connections); the plain comparison goes through the same kind of socat.
certs="$tmp/certs"
socat TCP-LISTEN:23756,bind=127.0.0.1,reuseaddr,fork,nodelay \
  OPENSSL:127.0.0.1:23755,cert="$certs/cert.pem",key="$certs/key.pem",cafile="$certs/ca.pem",nodelay & pids+=($!)
socat TCP-LISTEN:23757,bind=127.0.0.1,reuseaddr,fork,nodelay TCP:127.0.0.1:23752,nodelay & pids+=($!)
port[tls]=23756; port[plain-via-socat]=23757
until curl -sf -o /dev/null http://127.0.0.1:23756/_ping && curl -sf -o /dev/null http://127.0.0.1:23757/_ping; do sleep 0.1; done
# Warmed up like the plain endpoints: the JIT has not compiled the TLS record path before this
# (measured: about half the req/s in the first 5 s of TLS load).
echo "bench: warming the TLS path up" >&2
wrk -t2 -c16 -d$warm http://127.0.0.1:23756/_ping >/dev/null 2>&1
for c in 1 16; do
  cell "tls|$c" /_ping $c "" plain-via-socat tls
done
echo "bench: TLS handshakes" >&2
handshakes=$(openssl s_time -connect 127.0.0.1:23755 -new -time "$hs_secs" -cert "$certs/cert.pem" -key "$certs/key.pem" \
  -CAfile "$certs/ca.pem" 2>/dev/null | awk -v t="$hs_secs" '/connections in/ && /user sec/ {printf "%.0f", $1 / t; exit}')

# Each stream runs `stream_rounds` times, the targets taking turns as in the req/s cells, and the
# median run is reported: a single 100 MB run on a 2-core machine varies by a quarter with whatever
# else the engine is doing, and the hijacked stream, with the engine and the docker CLI on the same
# two cores, is CPU-bound on every path. Each round starts with another target, so none always
# follows the same one, and the uploads' writes reach the disk before the next stream starts.
stream_rounds=7; [ $quick = 1 ] && stream_rounds=3
# The median run, and the slowest and fastest MB/s beside it: the spread says how far one run is to be trusted.
median_run() {
  sort -t' ' -k3 -n | awk '{ a[NR] = $0; v[NR] = $3 }
    END { m = a[int((NR + 1) / 2)]; if (v[1] > 0) m = m " (" v[1] "–" v[NR] ")"; print m }'
}
# A run that fails is reported as failed (and is the slowest in its median), never the end of the bench:
# one curl that exited 55 in a stream round once ended a full run after 17 minutes, with nothing written.
stream_once() { # target -> "MB MB/s" of a 100 MB log
  { curl -s -o /dev/null -w '%{size_download} %{speed_download}' "http://127.0.0.1:${port[$1]}/v1.41/containers/$LOG/logs?stdout=1"
    echo " $?"; } |
    awk '$3 == 0 {printf "%.0f MB, %.0f MB/s\n", $1/1048576, $2/1048576; next}
         {printf "%.0f MB, 0 MB/s (failed: curl exit %s)\n", $1/1048576, $3}'
}
hijack_once() { # target -> MB/s of 100 MB through exec's hijacked stream
  local s e n
  s=$(date +%s%N)
  n=$(docker -H tcp://127.0.0.1:${port[$1]} exec "$CID" head -c 104857600 /dev/zero 2>/dev/null | wc -c) || true
  e=$(date +%s%N)
  if [ "$n" -lt 104857600 ]; then echo "0 MB, 0 MB/s (failed: $n bytes)"; return; fi
  awk -v n=$n -v ns=$((e - s)) 'BEGIN {printf "%.0f MB, %.0f MB/s\n", n/1048576, n/1048576/(ns/1e9)}'
}
upload_once() { # target -> "MB MB/s" of a 100 MB archive put into a container (docker cp's upload)
  { curl -s -o /dev/null -w '%{http_code} %{size_upload} %{speed_upload}' -T "$tmp/upload.tar" -H 'Content-Type: application/x-tar' \
      "http://127.0.0.1:${port[$1]}/v1.41/containers/$CID/archive?path=/tmp"
    echo " $?"; } |
    awk '$1 == 200 && $4 == 0 {printf "%.0f MB, %.0f MB/s\n", $2/1048576, $3/1048576; next}
         {print "0 MB, 0 MB/s (failed: HTTP " $1 ", curl exit " $4 ")"}'
}
declare -A streams runs
# HAProxy's HTTP mode drops the upgrade (bench/README.md), so its hijack is tried once first and
# joins the rounds only if that worked: the engine goes on running a refused exec after the CLI gave
# up, and whichever target came next paid for it (bench/README.md has the measurements).
hijack_targets=(direct sockwarden)
first_try=$(hijack_once haproxy-ka)
case "$first_try" in
  *failed*) streams["hijack|haproxy-ka"]=$first_try
            # Until the refused exec has ended, bounded.
            for _ in $(seq 1 100); do $D top "$CID" -o pid,comm 2>/dev/null | grep -qw head || break; sleep 0.1; done ;;
  *) hijack_targets=(direct haproxy-ka sockwarden) ;;
esac
stream_targets=(direct haproxy-ka sockwarden)
rotate() { local n=$1; shift; local a=("$@"); echo "${a[@]:n % $#}" "${a[@]:0:n % $#}"; }
for round in $(seq 1 $stream_rounds); do
  echo "bench: streams (round $round of $stream_rounds)" >&2
  read -r -a turn <<<"$(rotate $round "${stream_targets[@]}")"
  read -r -a hijack_turn <<<"$(rotate $round "${hijack_targets[@]}")"
  for t in "${turn[@]}"; do runs["logs|$t"]+="$(stream_once $t)"$'\n'; done
  for t in "${hijack_turn[@]}"; do runs["hijack|$t"]+="$(hijack_once $t)"$'\n'; done
  for t in "${turn[@]}"; do runs["upload|$t"]+="$(upload_once $t)"$'\n'; sync; done
done
for k in "${!runs[@]}"; do streams[$k]=$(printf '%s' "${runs[$k]}" | median_run); done

echo "bench: $events_n idle events streams for ${hold}s" >&2
events=$(python3 "$here/events_hold.py" 23752 $events_n $hold & sleep $((${hold%.*} - 1)); echo "rss=$(rss)" >&2; wait)
rss_events=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$swpid/status)
# After: once the pool threads the streams' ending woke have gone idle and left (10 s, in steps).
after_wait=25
sleep $after_wait; rss_after=$(rss)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "-" }'; }
{
  echo "# sockwarden benchmark results"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r),"
  echo "$(java -version 2>&1 | head -1), dockerd $($D version --format '{{.Server.Version}}' 2>/dev/null), wrk: each cell the median of $rounds runs of ${dur}, the targets taking turns$([ $quick = 1 ] && echo ' (quick run)')."
  echo "The machine (bench/probe.py, before the run): a Python loop of 5M additions ${probe_cpu} ms, a system call ${probe_syscall} µs, a round trip between two processes over pipes ${probe_wakeup} µs."
  echo "direct = socat TCP→unix passthrough; haproxy = tecnativa-style config closing the engine connection per request;"
  echo "haproxy-ka = the same with engine keep-alive; sockwarden = \`./sockwarden serve\` with its default JVM flags."
  echo
  echo "| Request | conns | direct req/s | haproxy req/s | haproxy-ka req/s | sockwarden req/s | sw p50 | sw p99 | direct p50 | sw/direct | sw/haproxy |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for e in "${endpoints[@]}" "deny GET /v1.41/networks (403)||" "POST /v1.41/containers/create||"; do
    label=${e%%|*}
    for c in 1 16; do
      [ "$label" != "POST /v1.41/containers/create" ] || [ $c = 1 ] || continue # measured with one connection only
      read -r d_rps d_p50 d_p99 <<<"${result["$label|$c|direct"]:-- - -}"
      read -r h_rps _ _ <<<"${result["$label|$c|haproxy"]:-- - -}"
      read -r k_rps _ _ <<<"${result["$label|$c|haproxy-ka"]:-- - -}"
      read -r s_rps s_p50 s_p99 <<<"${result["$label|$c|sockwarden"]:-- - -}"
      echo "| $label | $c | $d_rps | $h_rps | $k_rps | $s_rps | $s_p50 | $s_p99 | $d_p50 | $(ratio "$s_rps" "$d_rps") | $(ratio "$s_rps" "$h_rps") |"
    done
  done
  echo
  echo "| Stream (100 MB, median of $stream_rounds and the slowest–fastest MB/s, the targets taking turns) | direct | haproxy-ka | sockwarden |"
  echo "|---|---|---|---|"
  for s in logs hijack upload; do
    echo "| $s | ${streams["$s|direct"]} | ${streams["$s|haproxy-ka"]} | ${streams["$s|sockwarden"]} |"
  done
  echo
  echo "$audit_cell"
  echo
  echo "| Mutual TLS, GET /_ping | conns | plain via socat req/s | TLS via socat req/s | p50 plain | p50 TLS | TLS/plain |"
  echo "|---|---|---|---|---|---|---|"
  for c in 1 16; do
    read -r p_rps p_p50 _ <<<"${result["tls|$c|plain-via-socat"]:-- - -}"
    read -r t_rps t_p50 _ <<<"${result["tls|$c|tls"]:-- - -}"
    echo "| kept-alive connection | $c | $p_rps | $t_rps | $p_p50 | $t_p50 | $(ratio "$t_rps" "$p_rps") |"
  done
  echo
  echo "Full TLS handshakes with a client certificate (openssl s_time -new, one client): ${handshakes:-?}/s."
  echo
  echo "Idle events streams on sockwarden: $events; RSS $rss_events MB while held."
  echo
  echo "sockwarden: ready ${ready_ms} ms after start (JVM start included; median of ${ready_runs[*]} ms); RSS idle $rss_idle MB ($idle_wait s after ready), under load $rss_load MB, after $rss_after MB ($after_wait s after the events streams ended)."
  echo
  echo "The floor under idle RSS, same JVM flags, $idle_wait s after the first answer: a JVM that only waits $rss_floor_jvm MB;"
  echo "an empty Jetty $(sed -n 's:.*<jetty.version>\(.*\)</jetty.version>.*:\1:p' "$root/pom.xml") server answering 200 (bench/floor, with its own class-data archive) $rss_floor_jetty MB."
} > "$tmp/results.md"
cat "$tmp/results.md"
if [ $write = 1 ]; then cp "$tmp/results.md" "$here/RESULTS.md"; fi
