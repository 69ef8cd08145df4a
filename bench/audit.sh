#!/usr/bin/env bash
# What the audit trail costs: GET /_ping at 16 connections through four sockwardens started alike
# (drop-in mode, a data directory each), two writing the trail (the default) and two with
# --no-audit, taking turns; with the two pairs of identical processes as the cell's own control.
#   bench/audit.sh [--quick] [--rounds N] [--engine SOCKET]
# --quick: a smoke test (3 s warm-up, 2 rounds of 1 s). Prints its lines of bench/RESULTS.md
# (bench/run.sh includes them); writes nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=0; engine=""; rounds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds="$2"; shift ;;
    --engine) engine="$2"; shift ;;
    *) echo "usage: bench/audit.sh [--quick] [--rounds N] [--engine SOCKET]" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$rounds" ] || rounds=$([ $quick = 1 ] && echo 2 || echo 24)
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "audit: --rounds wants a positive number, not '$rounds'" >&2; exit 2; }
# 30 s each: a fresh process was measured still compiling (C2 busy) 30-40 s into load, and with
# 10 s the one writing the trail, with more code to compile, measured 0.76-0.87x in its first
# rounds. 2 s turns: the machine drifts by a third within a minute (11.8-16.7k req/s in successive
# 8 s runs of one process), and a round's four runs are closer in time the shorter they are.
warm=30s; dur=2s
[ $quick = 1 ] && { warm=3s; dur=1s; }

. "$here/tools.sh"
need audit wrk curl python3

. "$here/setup.sh" swa
"$root/sockwarden" --version >/dev/null

# Two of each, because two processes of the same code differ: two --no-audit sockwardens measured
# 0.946 and 0.991 of each other over 60 rounds (2026-12-08), as much as the trail was meant to cost
# at most. Each arm's req/s in a round is the sum of its two; the control compares the pairs.
names=(on-a off-a on-b off-b)
declare -A port=([on-a]=23761 [off-a]=23762 [on-b]=23763 [off-b]=23764) pid=()
for n in "${names[@]}"; do
  flag=(); [ "${n%-*}" = off ] && flag=(--no-audit)
  CONTAINERS=1 "$root/sockwarden" serve --listen 127.0.0.1:${port[$n]} --docker-socket "$engine" --data "$tmp/data-$n" \
    "${flag[@]}" > "$tmp/sockwarden-$n.log" 2>&1 & pids+=($!)
done
for n in "${names[@]}"; do
  for _ in $(seq 1 600); do curl -sf -o /dev/null http://127.0.0.1:${port[$n]}/_ping && break; sleep 0.05; done
  pid[$n]=$(pgrep -f "sockwarden.jar serve --listen 127.0.0.1:${port[$n]}" | head -1)
done
for n in "${names[@]}"; do
  echo "audit: warming $n for $warm" >&2
  wrk -t2 -c16 -d$warm http://127.0.0.1:${port[$n]}/_ping >/dev/null 2>&1
done

# The writer thread's own CPU (clock ticks) in both processes writing the trail: its direct cost,
# which the machine's drift moves far less than req/s.
writer_ticks() {
  local n t sum=0
  for n in on-a on-b; do
    for t in /proc/${pid[$n]}/task/*; do
      [ "$(cat "$t/comm" 2>/dev/null)" = sockwarden-audi ] && sum=$((sum + $(awk '{print $14 + $15}' "$t/stat")))
    done
  done
  echo $sum
}
# Records written: the highest ids, since ids rise by one per record and retention takes the oldest
# (a count of the rows stops at --audit-max-rows). A count that fails says why on stderr and gives
# "-", and the cell goes on without the writer's CPU per record.
records() {
  python3 - "$tmp/data-on-a/audit.db" "$tmp/data-on-b/audit.db" <<'EOF' || echo -
import sqlite3, sys
print(sum(sqlite3.connect(f, timeout=30).execute('select coalesce(max(last_id), 0) from audit_batch').fetchone()[0]
          for f in sys.argv[1:]))
EOF
}
ticks0=$(writer_ticks); records0=$(records)

# A round runs all four; each round starts one further along the list, so every process takes every
# place in the order equally often, and the trail's processes and the others alternate.
: > "$tmp/rounds"
for r in $(seq 1 "$rounds"); do
  echo "audit: round $r of $rounds" >&2
  line=""
  for i in 0 1 2 3; do
    n=${names[$(((r + i) % 4))]}
    rps=$(wrk -t2 -c16 -d$dur http://127.0.0.1:${port[$n]}/_ping 2>&1 | awk '/Requests\/sec/ {print $2}')
    line+="$n=${rps:-0} "
  done
  echo "$line" >> "$tmp/rounds"
done
ticks1=$(writer_ticks); records1=$(records)
echo "audit: req/s per round, in the order run:" >&2; cat "$tmp/rounds" >&2
writer_us=$(awk -v t=$((ticks1 - ticks0)) -v r0="$records0" -v r1="$records1" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { n = r1 - r0; if (r0 != "-" && r1 != "-" && n > 0 && t > 0) printf "%.1f", t * 1000000 / hz / n; else print "-" }')

# Per round: on/off = (on-a + on-b) / (off-a + off-b); the control, whose true value is 1, compares
# one of each against the other of each, (on-a + off-a) / (on-b + off-b). Each is the median of the
# rounds' ratios, with the lowest and highest; req/s per process is the median of its turns.
python3 - "$tmp/rounds" "$rounds" "$dur" "$writer_us" "$records1" <<'EOF'
import statistics, sys
rounds = [dict((k, float(v)) for k, v in (kv.split('=') for kv in line.split())) for line in open(sys.argv[1]) if line.strip()]
def cell(num, den):
    ratios = sorted(sum(r[n] for n in num) / sum(r[n] for n in den) for r in rounds if sum(r[n] for n in den) > 0)
    return f'{statistics.median(ratios):.3f} ({ratios[0]:.2f}–{ratios[-1]:.2f})' if ratios else '-'
rps = {n: f'{statistics.median(r[n] for r in rounds):.0f}' for n in ('on-a', 'on-b', 'off-a', 'off-b')}
print(f'| Audit trail, GET /_ping, 16 conns ({sys.argv[2]} rounds of {sys.argv[3]}, four processes taking turns) '
      '| on req/s (a, b) | off (--no-audit) req/s (a, b) | on/off | control: a/b, the same code (1 is exact) |')
print('|---|---|---|---|---|')
print(f"| median of the rounds' ratios (lowest–highest) | {rps['on-a']}, {rps['on-b']} | {rps['off-a']}, {rps['off-b']} "
      f"| {cell(('on-a', 'on-b'), ('off-a', 'off-b'))} | {cell(('on-a', 'off-a'), ('on-b', 'off-b'))} |")
print()
print(f'The two trails held {sys.argv[5]} records at the end; their writer threads spent {sys.argv[4]} µs of CPU per record during the rounds.')
EOF
