#!/usr/bin/env bash
# Builds sockwarden's container image from the root Dockerfile where no registry can be reached
# (CI, an offline machine):
#   scripts/image.sh [TAG]        (default sockwarden:latest; the engine is docker's usual one, or $DOCKER_HOST)
# With a registry, `docker build -t sockwarden .` is all it takes. Here the Dockerfile's base images,
# which are build arguments, are made from this machine's own files with `docker import` and passed
# to the same Dockerfile:
#   build base    the JDK ($SOCKWARDEN_IMAGE_JDK, default the JDK of javac: 17, as in the Dockerfile),
#                 Maven (Debian's), and a Maven repository holding exactly what the build needs: a
#                 build of the sources here reads ~/.m2/repository as its only remote repository and
#                 fills an empty one. The Dockerfile's `mvn package` then finds everything locally.
#   runtime base  glibc, busybox (sh, stat, id, test, ...), bash, util-linux's setpriv, and the few
#                 libraries the JDK's own need beyond glibc.
# Each is tagged with a hash of what went into it and made again only when the engine lacks that tag.
# Needs root (the rootfs keeps root's ownership), a JDK, Maven, busybox-static, setpriv and an engine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag=${1:-sockwarden:latest}
# The Dockerfile's default runtime is JDK 17 (bench/runtime.sh measured it against Temurin 25).
jdk=${SOCKWARDEN_IMAGE_JDK:-}
if [ -z "$jdk" ] && command -v javac >/dev/null; then
  jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
log() { echo "image.sh: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "run as root (the base images' files are root's)"; exit 1; }
for tool in docker mvn busybox bash setpriv ldd dpkg tar sha256sum; do
  command -v $tool >/dev/null || { log "$tool is missing"; exit 1; }
done
[ -x "$jdk/bin/jlink" ] || { log "no JDK with jlink at $jdk (set SOCKWARDEN_IMAGE_JDK)"; exit 1; }
# bench/runtime.sh: the runtime cut from another JDK than the one that compiles, so that images of two
# runtimes hold the same jar. That JDK's bin comes first on the build base's PATH (jlink), Maven
# compiles with JAVA_HOME.
runtime_jdk=${SOCKWARDEN_IMAGE_RUNTIME_JDK:-$jdk}
[ -x "$runtime_jdk/bin/jlink" ] || { log "no JDK with jlink at $runtime_jdk"; exit 1; }
! ldd "$(command -v busybox)" >/dev/null 2>&1 || { log "busybox must be the static one (apt-get install busybox-static)"; exit 1; }

work=$(mktemp -d /tmp/swimage.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT

# copy_libs ROOT FILE...: the shared libraries FILEs need, copied from this machine into ROOT.
copy_libs() {
  local root=$1
  shift
  ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u |
    while read -r lib; do
      case "$lib" in "$root"/*) ;; *) cp --parents -L "$lib" "$root" ;; esac
    done
}

# base_rootfs ROOT: glibc's and zlib's libraries (as every Debian image has them), busybox with its
# applets, bash as /bin/sh, /tmp, root's passwd entry.
base_rootfs() {
  local root=$1 lib
  mkdir -p "$root"
  for lib in $(dpkg -L libc6 zlib1g | grep -E '^/lib[^ ]*/lib[^/]*\.so[.0-9]*$'); do
    [ -e "$lib" ] && cp --parents -L "$lib" "$root"
  done
  ldd /bin/true | awk '$1 ~ /^\/.*ld-linux/ { print $1 }' | while read -r lib; do cp --parents -L "$lib" "$root"; done
  mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/sbin" "$root/sbin" "$root/tmp" "$root/etc" "$root/root"
  chmod 1777 "$root/tmp"
  cp "$(command -v busybox)" "$root/bin/busybox"
  chroot "$root" /bin/busybox --install -s
  rm -f "$root/bin/bash"
  cp "$(command -v bash)" "$root/bin/bash"
  copy_libs "$root" "$(command -v bash)"
  # Debian's busybox shell runs its own applets before any program of the PATH (its setpriv has no
  # --groups): /bin/sh is bash, as Debian's is a plain shell (dash).
  ln -sf bash "$root/bin/sh"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
}

# copy_jdk JDK DIR: the JDK, its symbolic links (Debian's point into /etc) copied as what they point
# at, dangling ones (Debian's lib/src.zip without the source package) left out.
copy_jdk() {
  local from=$1 to=$2 link
  mkdir -p "$to"
  cp -a "$from/." "$to"
  find "$to" -type l | while read -r link; do
    rm "$link"
    if [ -e "$from${link#"$to"}" ]; then cp -rL "$from${link#"$to"}" "$link"; fi
  done
}

# import ROOT TAG [--change ...]: loads ROOT as image TAG.
import() {
  local root=$1 image=$2
  shift 2
  tar -C "$root" --numeric-owner -c . | docker import "$@" - "$image" >/dev/null
  rm -rf --one-file-system "$root"
  log "made $image"
}

# The runtime base: what the Dockerfile's runtime stage uses of debian:bookworm-slim.
setpriv_bin=$(command -v setpriv)
runtime_image="sockwarden-base/runtime:$(cat "$(command -v busybox)" "$(command -v bash)" "$setpriv_bin" /lib/x86_64-linux-gnu/libc.so.6 \
  "$runtime_jdk/release" 2>/dev/null | sha256sum | cut -c1-12)"
if ! docker image inspect "$runtime_image" >/dev/null 2>&1; then
  root="$work/runtime"
  base_rootfs "$root"
  find "$root" -name setpriv -delete   # busybox has one, without --groups
  cp "$setpriv_bin" "$root/usr/bin/setpriv"
  copy_libs "$root" "$setpriv_bin"
  # What the JDK's own libraries need beyond glibc (Debian's libjvm.so: libstdc++ and libgcc_s;
  # Temurin's: nothing), as the runtime the build stage cuts from it will.
  copy_libs "$root" $(find "$runtime_jdk" -name '*.so')
  import "$root" "$runtime_image" --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
fi

# The build base: what the Dockerfile's build stage uses of maven:3.9-eclipse-temurin-17.
poms=$(cd "$here" && cat pom.xml store/pom.xml certs/pom.xml proxy/pom.xml admin/pom.xml | sha256sum | cut -c1-16)
build_image="sockwarden-base/build:$(printf '%s %s %s %s' "$poms" "$(cat "$jdk/release" | sha256sum)" "$(cat "$runtime_jdk/release" | sha256sum)" \
  "$(mvn -v 2>/dev/null | head -1)" | sha256sum | cut -c1-12)"
if ! docker image inspect "$build_image" >/dev/null 2>&1; then
  root="$work/build"
  base_rootfs "$root"
  mkdir -p "$root/opt/java" "$root/usr/share"
  copy_jdk "$jdk" "$root/opt/java/openjdk"
  path=/opt/java/openjdk/bin
  if [ "$runtime_jdk" != "$jdk" ]; then
    copy_jdk "$runtime_jdk" "$root/opt/java/runtime"
    path=/opt/java/runtime/bin:$path
  fi
  maven_home=$(mvn -v 2>/dev/null | sed -n 's/^Maven home: //p')
  cp -rL "$maven_home" "$root/usr/share/maven"
  ln -sf ../share/maven/bin/mvn "$root/usr/bin/mvn"
  copy_libs "$root" "$root/opt/java/openjdk/bin/java" $(find "$root/opt/java" -name '*.so')
  # The dependencies and plugins of `mvn package`, and nothing else: a build of a copy of the sources
  # whose only remote repository is this machine's ~/.m2/repository fills an empty local one. The
  # mirror is named central because Maven records where each artifact came from and, in the image,
  # accepts it only for a repository of that name.
  src="$work/src"
  mkdir -p "$src"
  (cd "$here" && tar --exclude=target -c pom.xml store certs proxy admin) | tar -x -C "$src"
  cat >"$work/settings.xml" <<EOF
<settings>
  <localRepository>$root/root/.m2/repository</localRepository>
  <mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf><url>file://$HOME/.m2/repository</url></mirror></mirrors>
</settings>
EOF
  (cd "$src" && JAVA_HOME=$jdk mvn -B -q -ntp -Dstyle.color=never -s "$work/settings.xml" -DskipTests package >"$work/seed.log" 2>&1) ||
    { tail -30 "$work/seed.log" >&2; log "the build that gathers the Maven repository failed (log above)"; exit 1; }
  rm -rf "$src"
  import "$root" "$build_image" --change 'ENV JAVA_HOME=/opt/java/openjdk' --change 'ENV MAVEN_HOME=/usr/share/maven' \
    --change "ENV PATH=$path:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
fi

# The engine's containers may have no network (CI's has none): the build needs none. The classic
# builder: the docker CLI's BuildKit needs the buildx plugin, which Debian's docker.io lacks.
# --force-rm: a failed step's container goes too.
DOCKER_BUILDKIT=0 docker build --network none --force-rm -q --build-arg "BUILD_IMAGE=$build_image" --build-arg "RUNTIME_IMAGE=$runtime_image" \
  -t "$tag" "$here" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; log "docker build failed (log above)"; exit 1; }
log "built $tag from the Dockerfile ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
