#!/bin/sh
# The container image's entry point, and its `sockwarden` command (/usr/local/bin/sockwarden), so
# `docker exec CONTAINER sockwarden client add ...` runs the same way. It never runs java as root:
# started as root it runs java as the image's user sockwarden (uid 10001), otherwise as the user it
# was given. It deals with the engine socket's group first:
#
# - Started as root (the image's default): when uid 10001 cannot open the socket, it joins the
#   socket's group, then drops to uid 10001 for good before java starts: setpriv (util-linux) sets
#   the groups, gid and uid in one exec, clears the inheritable capabilities and sets no_new_privs,
#   so neither java nor anything it starts can become root again. The JVM cannot change its own
#   uid, and a shell script in front of one audited tool is the least code that can: no setuid
#   binary, no helper of ours in C. A data directory that docker created for a bind mount (owned by
#   root) is handed to uid 10001 the same way, before the drop.
# - Started as another user (compose `user:`, docker run `--user`): it cannot join a group, so when
#   the socket cannot be opened it stops at once with the exact `group_add` / `--group-add` to use.
#
# The socket is never made world-writable, or changed at all.
set -eu
app=/opt/sockwarden
uid=10001
gid=10001

read -r flags <"$app/jvm.flags"
flags=${SOCKWARDEN_JAVA_OPTS:-$flags}

# The engine socket, for the commands that use one: their --docker-socket, else serve's defaults.
socket=
case "${1:-}" in
  serve | status | health)
    socket=${DOCKER_SOCKET:-${SOCKET_PATH:-/var/run/docker.sock}}
    prev=
    for arg in "$@"; do
      [ "$prev" = --docker-socket ] && socket=$arg
      case "$arg" in --docker-socket=*) socket=${arg#--docker-socket=} ;; esac
      prev=$arg
    done
    socket=${socket#unix://}
    ;;
esac

describe() { stat -c 'owned by uid %u, gid %g, mode %a' "$1"; }
fix() {
  echo "add the socket's group to the container: compose \`group_add: [\"$1\"]\`, docker run \`--group-add $1\`" \
    "(or start the container as root, its default, and sockwarden joins the group itself before it drops to uid $uid)"
}

# $1: "" to decide for this process, or setpriv's options to decide for uid 10001 with those groups.
can_open() {
  if [ -z "$1" ]; then test -r "$socket" && test -w "$socket"; else
    # shellcheck disable=SC2086
    setpriv --reuid=$uid --regid=$gid $1 -- test -w "$socket"
  fi
}

groups_option() { if [ -n "$1" ]; then echo "--groups=$1"; else echo --clear-groups; fi; }

if [ "$(id -u)" = 0 ]; then
  # The groups the container was given (group_add, --group-add) stay; root's own group 0 does not.
  groups=
  for g in $(id -G); do
    [ "$g" = 0 ] || groups=$groups${groups:+,}$g
  done
  if [ -n "$socket" ] && [ -S "$socket" ] && ! can_open "$(groups_option "$groups")"; then
    socket_gid=$(stat -c %g "$socket")
    if can_open "--groups=$groups${groups:+,}$socket_gid"; then
      groups=$groups${groups:+,}$socket_gid
      [ "${1:-}" = serve ] && echo "sockwarden: joining group $socket_gid of the Docker socket $socket ($(describe "$socket")) as uid $uid" >&2
    else
      echo "sockwarden: uid $uid cannot open the Docker socket $socket ($(describe "$socket")) even in its group $socket_gid:" \
        "the group may not read and write it. Give the socket's group rw (dockerd does: mode 660), or start the container" \
        "with --user set to the socket's owner; sockwarden never makes the socket world-writable" >&2
      exit 1
    fi
  fi
  data=${SOCKWARDEN_DATA:-/data}
  if [ -d "$data" ] && [ "$(stat -c %u "$data")" = 0 ]; then
    chown -R "$uid:$gid" "$data" 2>/dev/null || true
  fi
  # shellcheck disable=SC2086
  exec setpriv --reuid=$uid --regid=$gid "$(groups_option "$groups")" --inh-caps=-all --no-new-privs -- \
    "$app/java/bin/java" $flags -jar "$app/sockwarden.jar" "$@"
fi

if [ -n "$socket" ] && [ -S "$socket" ] && ! can_open ""; then
  socket_gid=$(stat -c %g "$socket")
  echo "sockwarden: cannot open the Docker socket $socket ($(describe "$socket")) as uid $(id -u) with groups $(id -G | tr ' ' ','):" \
    "$(fix "$socket_gid")" >&2
  exit 1
fi
# shellcheck disable=SC2086
exec "$app/java/bin/java" $flags -jar "$app/sockwarden.jar" "$@"
