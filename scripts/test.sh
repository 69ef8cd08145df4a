#!/usr/bin/env bash
# The whole test run on a fresh machine: installs what is missing, starts a private Docker
# engine, runs `mvn verify` with the engine tests mandatory, and always stops the engine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v busybox >/dev/null || need+=(busybox-static)
command -v script >/dev/null || need+=(util-linux)
command -v setpriv >/dev/null || need+=(util-linux)
command -v openssl >/dev/null || need+=(openssl)
/usr/bin/python3 -c 'import docker' 2>/dev/null || need+=(python3-docker)
command -v mvn >/dev/null || need+=(maven)
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v docker >/dev/null || { echo "test.sh: the docker CLI is missing (docker.io provides it)" >&2; exit 1; }

engine_dir=$(mktemp -d /tmp/swe.XXXXXX)
cleanup() { "$here/scripts/engine.sh" stop "$engine_dir" || true; rm -rf "$engine_dir" 2>/dev/null || true; }
trap cleanup EXIT
"$here/scripts/engine.sh" start "$engine_dir"
eval "$("$here/scripts/engine.sh" env "$engine_dir")"
export CI="${CI:-true}"

cd "$here"
mvn -B -ntp -Dstyle.color=never verify "$@"
