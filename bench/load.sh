#!/usr/bin/env bash
# sockwarden and the tecnativa-style HAProxy of bench/run.sh under abuse, side by side, on one engine:
# slow heads, an idle keep-alive flood, refused unfinished uploads (bench/load_probe.py), each while a
# well-behaved client keeps calling, with each proxy's peak RSS and threads.
#   bench/load.sh [--quick] [--engine SOCKET]
# --quick: fewer connections and shorter phases (a smoke test). Prints a table; writes nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=0; engine=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --engine) engine="$2"; shift ;;
    *) echo "usage: bench/load.sh [--quick] [--engine SOCKET]" >&2; exit 2 ;;
  esac
  shift
done
# Connections and seconds per scenario: longer than the timeouts that end them (head 10 s on both; keep-alive
# 10 s on HAProxy, 60 s on sockwarden by default).
slow_n=500; slow_s=30; flood_n=3000; flood_s=75; upload_n=200; upload_s=30
[ $quick = 1 ] && { slow_n=50; slow_s=15; flood_n=300; flood_s=15; upload_n=40; upload_s=10; }

. "$here/tools.sh"
need load haproxy curl python3

. "$here/setup.sh" swl
"$root/sockwarden" --version >/dev/null
ulimit -n 65536 2>/dev/null || true

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
haproxy_port=$(free_port)
sed -e "s|@PORT@|$haproxy_port|" -e "s|@SOCKET@|$engine|" -e "s|@REUSE@|option http-server-close|" \
  "$here/haproxy.cfg.template" > "$tmp/haproxy.cfg"
haproxy -f "$tmp/haproxy.cfg" -db >/dev/null 2>&1 & haproxy_pid=$!; pids+=($haproxy_pid)
# The drop-in deployment with run.sh's grants and serve's default limits. The well-behaved client is a
# client of its own on sockwarden (its port, its connection cap), as sockwarden is deployed; HAProxy has
# one port for everybody.
sw_port=$(free_port); good_port=$(free_port)
"$root/sockwarden" client add good --listen "127.0.0.1:$good_port" --allow PING --data "$tmp/data" >/dev/null
CONTAINERS=1 POST=1 EXEC=1 INFO=1 "$root/sockwarden" serve --listen "127.0.0.1:$sw_port" --docker-socket "$engine" \
  --data "$tmp/data" > "$tmp/sockwarden.log" 2>&1 & pids+=($!)
for p in $haproxy_port $sw_port $good_port; do
  until curl -sf -o /dev/null "http://127.0.0.1:$p/_ping"; do sleep 0.05; done
done
sw_pid=$(pgrep -f "sockwarden.jar serve --listen 127.0.0.1:$sw_port" | head -1)

declare -A pid=([haproxy]=$haproxy_pid [sockwarden]=$sw_pid) port=([haproxy]=$haproxy_port [sockwarden]=$sw_port) \
  good=([haproxy]=$haproxy_port [sockwarden]=$good_port)
# Runs one scenario against one target while sampling the target's RSS and threads; prints the probe's line and the peaks.
probe() { # target scenario n seconds
  local t=$1 rss=0 threads=0 r h line
  python3 "$here/load_probe.py" "$2" "${port[$t]}" "$3" "$4" "${good[$t]}" > "$tmp/probe.out" & local probe_pid=$!
  while kill -0 $probe_pid 2>/dev/null; do
    r=$(awk '/VmRSS/ {print int($2/1024)}' /proc/${pid[$t]}/status 2>/dev/null || echo 0)
    h=$(awk '/Threads/ {print $2}' /proc/${pid[$t]}/status 2>/dev/null || echo 0)
    [ "$r" -gt "$rss" ] && rss=$r; [ "$h" -gt "$threads" ] && threads=$h
    sleep 0.5
  done
  wait $probe_pid || true
  line=$(cat "$tmp/probe.out")
  echo "$t $line peak_rss_mb=$rss peak_threads=$threads"
  # Let the proxies shed the last phase's connections before the next one starts.
  sleep 12
}
echo "bench: load probe on $(nproc) cores, haproxy $(haproxy -v | head -1 | awk '{print $3}'), $(java -version 2>&1 | head -1)" >&2
results=()
for scenario in "slow-heads $slow_n $slow_s" "idle-flood $flood_n $flood_s" "refused-uploads $upload_n $upload_s"; do
  for t in haproxy sockwarden; do
    echo "bench: $t ${scenario%% *}" >&2
    results+=("$(probe $t $scenario)")
  done
done
echo
echo "| target | scenario (connections) | abusive connections: answer read, closed or still open | median close (s) | good client ok / failed | good p50 / p99 (ms) | peak RSS (MB) | peak threads |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  read -r target rest <<<"$r"
  get() { tr ' ' '\n' <<<"$rest" | awk -F= -v k="$1" '$1 == k {print $2}'; }
  ends=$(tr ' ' '\n' <<<"$rest" | awk -F= '$1 ~ /^end_/ {sub(/^end_/, "", $1); printf "%s%s %s", sep, $2, $1; sep=", "}')
  echo "| $target | $(get scenario) ($(get n)) | $ends | $(get median_close_s) | $(get good_ok) / $(get good_failed) | $(get good_p50_ms) / $(get good_p99_ms) | $(get peak_rss_mb) | $(get peak_threads) |"
done
echo
echo "sockwarden log: $(grep -c 'OutOfMemoryError' "$tmp/sockwarden.log" || true) OutOfMemoryError, $(grep -c 'Exception' "$tmp/sockwarden.log" || true) lines naming an exception."
