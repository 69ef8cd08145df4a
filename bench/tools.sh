# Sourced by the bench scripts: `need NAME TOOL...` installs the tools this machine lacks (Debian
# packages of the same names; python3 as python3-minimal), or, not being root, says which and exits.
need() {
  local who=$1 tool missing=""
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=" $tool"
  done
  [ -z "$missing" ] && return
  [ "$(id -u)" = 0 ] || { echo "$who: missing$missing" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing/python3/python3-minimal} >/dev/null
}
