#!/usr/bin/env bash
# Prints the JVM flags of scripts/jvm-options for the java given (default: java on the PATH),
# keeping a "?" line only when that java starts with it.
set -uo pipefail
java=${1:-java}
flags=""
while read -r line; do
  case "$line" in
    '#'*|'') ;;
    '? '*) if "$java" ${line#? } -version >/dev/null 2>&1; then flags="$flags ${line#? }"; fi ;;
    *) flags="$flags $line" ;;
  esac
done < "$(dirname "${BASH_SOURCE[0]}")/jvm-options"
echo "${flags# }"
