# Sourced by bench/run.sh and bench/load.sh, with $root set, $engine the engine's socket or empty, and
# the temp directory's prefix as its argument: makes $tmp, ends the processes in $pids and a private
# engine it started (when $engine was empty) at exit, and sets $engine.
tmp=$(mktemp -d "/tmp/$1.XXXXXX")
pids=()
started_engine=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $started_engine = 1 ]; then "$root/scripts/engine.sh" stop "$tmp/engine" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$engine" ]; then
  "$root/scripts/engine.sh" start "$tmp/engine"; started_engine=1; engine="$tmp/engine/docker.sock"
fi
