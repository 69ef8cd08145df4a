#!/usr/bin/env bash
# Builds sockwarden's container image without a base image or a registry:
#   scripts/image.sh [TAG]        (default sockwarden:latest; the engine is docker's usual one, or $DOCKER_HOST)
# The root file system is assembled here and loaded with `docker import`: a Java runtime cut down
# to the modules sockwarden uses (jlink, from this machine's JDK 17), the jar, a class-data archive
# trained inside that root, and the shared libraries the runtime and SQLite need, copied from this
# machine. Needs root (the training runs in a chroot); builds the jar when it is missing or older
# than the sources.
#
#   docker run -d --name sockwarden -v /var/run/docker.sock:/var/run/docker.sock -v sockwarden-data:/data \
#     -p 127.0.0.1:2375:2375 -e CONTAINERS=1 sockwarden:latest
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag=${1:-sockwarden:latest}
log() { echo "image.sh: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "the class-data training runs in a chroot: run as root"; exit 1; }
for tool in jlink jar docker ldd tar chroot mknod; do
  command -v $tool >/dev/null || { log "$tool is missing"; exit 1; }
done
jar="$here/admin/target/sockwarden.jar"
"$here/sockwarden" --version >/dev/null   # builds the jar when it is missing or stale

root=$(mktemp -d /tmp/swimage.XXXXXX)
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

app=/opt/sockwarden
# jdeps names java.base, java.naming and java.sql; the rest are reached by name or by reflection:
# jdk.crypto.ec for the EC keys of the mutual-TLS listener, jdk.unsupported for signal handling,
# java.logging for java.sql's and HikariCP's logging, java.management for Jetty's (JMX itself is
# never started).
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,jdk.crypto.ec,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --output "$root$app/java"
cp "$jar" "$root$app/sockwarden.jar"

# SQLite's library for this machine's architecture, and the shared libraries it and the runtime
# need, copied from this machine.
sqlite_lib="org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so"
sqlite_so=$(mktemp -d)
(cd "$sqlite_so" && jar xf "$jar" "$sqlite_lib")
[ -f "$sqlite_so/$sqlite_lib" ] || { log "the jar has no SQLite library for Linux/$(uname -m)"; exit 1; }
{ ldd "$root$app/java/bin/java"; find "$root$app/java" "$sqlite_so" -name '*.so' -exec ldd {} \;; } 2>/dev/null |
  grep -o '/[^ ]*\.so[^ ]*' | grep -v "^$root" | sort -u | while read -r lib; do
    cp --parents -L "$lib" "$root"
  done
# sqlite-jdbc would unpack this library to /tmp at every start (and look for Android with `uname`
# first); loading it from here instead lets the container run with --read-only.
mkdir -p "$root$app/lib"
cp "$sqlite_so/$sqlite_lib" "$root$app/lib/"
rm -rf "$sqlite_so"
mkdir -p "$root/tmp" "$root/data" "$root/proc" "$root/dev" "$root/etc"
chmod 1777 "$root/tmp"
echo "root:x:0:0:root:/root:/sbin/nologin" > "$root/etc/passwd"
# For the training's chroot only; the engine gives a container its own /dev.
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 444 "$root/dev/random" c 1 8
mknod -m 444 "$root/dev/urandom" c 1 9

opts="$("$here/scripts/jvm-options.sh" "$root$app/java/bin/java") -Dorg.sqlite.lib.path=$app/lib -Dorg.sqlite.lib.name=libsqlitejdbc.so"
mount -t proc proc "$root/proc"
mkdir "$root/tmp/train"
chroot "$root" "$app/java/bin/java" -version >/dev/null 2>&1 || { log "the runtime does not start in its root"; exit 1; }
"$here/scripts/cds-archive.sh" "$root$app/sockwarden.jsa" "$root/tmp/train" /tmp/train "$app/sockwarden.jar" \
  chroot "$root" "$app/java/bin/java" $opts
umount "$root/proc"
rm -rf "$root/tmp/train" "$root/dev"/*

entrypoint="\"$app/java/bin/java\", \"-XX:SharedArchiveFile=$app/sockwarden.jsa\", \"-Xshare:auto\""
for o in $opts; do entrypoint="$entrypoint, \"$o\""; done
entrypoint="$entrypoint, \"-jar\", \"$app/sockwarden.jar\""
tar -C "$root" --numeric-owner -c . | docker import \
  --change "ENV SOCKWARDEN_DATA=/data" \
  --change "VOLUME /data" \
  --change "EXPOSE 2375 2376" \
  --change "ENTRYPOINT [$entrypoint]" \
  --change 'CMD ["serve", "--listen", "0.0.0.0:2375", "--docker-socket", "/var/run/docker.sock"]' \
  - "$tag" >/dev/null
log "built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
