# sockwarden's container image: `docker build -t sockwarden .`
#
# Two stages. The build stage compiles the jar with Maven and cuts a Java runtime down to the
# modules sockwarden uses (jlink). The runtime stage holds that runtime, the jar, SQLite's native
# library, a class-data cache trained in the image itself, and the entry point that copes with the
# engine socket's group (scripts/container-entrypoint.sh says how).
#
# The base images are build arguments. CI cannot pull: scripts/image.sh builds this same file with
# equivalents made on the machine (`docker import`) and passes them here. What each stage needs
# from its base: BUILD_IMAGE a JDK with jlink and `mvn` on the PATH (its Maven repository may hold
# the dependencies already); RUNTIME_IMAGE glibc, a POSIX sh, bash (for the training run only),
# stat, id, test and util-linux's setpriv. Only the classic builder's features are used.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The sources and the few scripts the image uses (.dockerignore lets nothing else in).
COPY . .
# Tests are compiled (admin's tests use the proxy's test jar) but not run here: `mvn verify` runs them.
# jlink: jdeps names java.base, java.naming and java.sql; the rest are reached by name or by
# reflection: jdk.crypto.ec for the EC keys of the mutual-TLS listener, jdk.net for the peer
# credentials of client sockets (SO_PEERCRED, --peer-uid), jdk.unsupported for signal handling,
# java.logging for java.sql's and HikariCP's logging, java.management for Jetty's (JMX itself is
# never started). --strip-java-debug-attributes rather than --strip-debug, which also strips native
# symbols with objcopy, a tool JDK images do not have. SQLite's library is taken out of the jar so
# that sqlite-jdbc loads it from the image instead of unpacking it into /tmp at every start (which
# --read-only forbids).
RUN mvn -B -ntp -q -Dstyle.color=never -DskipTests package \
 && app=/out/opt/sockwarden \
 && jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,jdk.crypto.ec,jdk.net,jdk.unsupported \
      --strip-java-debug-attributes --no-man-pages --no-header-files --output "$app/java" \
 && cp admin/target/sockwarden.jar "$app/sockwarden.jar" \
 && mkdir -p "$app/lib" "$app/bin" /tmp/sqlite \
 && lib="org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so" \
 && (cd /tmp/sqlite && jar xf "$app/sockwarden.jar" "$lib") \
 && mv "/tmp/sqlite/$lib" "$app/lib/" \
 && cp scripts/container-entrypoint.sh "$app/bin/sockwarden" \
 && cp scripts/jvm-options scripts/jvm-options.sh scripts/cds-archive.sh "$app/lib/" \
 && chmod 0755 "$app/bin/sockwarden"

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/opt/sockwarden /opt/sockwarden
# The user the proxy runs as (the entry point drops to it), the data directory it owns, a directory
# of its own for client sockets (a named volume mounted there starts out owned by it), and the
# class-data cache: trained here, in the root it runs in, by a run of serve that answers a few
# requests: a static class-data archive (scripts/cds-archive.sh), or, built with a JDK 25 base, an
# ahead-of-time cache (classes loaded and linked, method profiles). JDK 17 is the default: with the
# same jar it was ready as soon and used 7 MB less memory than Temurin 25 with its AOT cache and
# compact object headers (bench/runtime.sh, figures in bench/README.md).
RUN set -eu \
 && echo 'sockwarden:x:10001:10001:sockwarden:/data:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'sockwarden:x:10001:' >> /etc/group \
 && mkdir -p /data /run/sockwarden && chown 10001:10001 /data /run/sockwarden && chmod 0750 /data \
 && mkdir -p /usr/local/bin && ln -s /opt/sockwarden/bin/sockwarden /usr/local/bin/sockwarden \
 && app=/opt/sockwarden \
 && opts="$("$app/lib/jvm-options.sh" "$app/java/bin/java") -Dorg.sqlite.lib.path=$app/lib -Dorg.sqlite.lib.name=libsqlitejdbc.so" \
 && train=$(mktemp -d) \
 && if "$app/java/bin/java" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput '; then \
      SOCKWARDEN_CACHE=aot "$app/lib/cds-archive.sh" "$app/sockwarden.aot" "$train" "$train" "$app/sockwarden.jar" "$app/java/bin/java" $opts \
      && echo "-XX:AOTCache=$app/sockwarden.aot $opts" > "$app/jvm.flags"; \
    else \
      "$app/lib/cds-archive.sh" "$app/sockwarden.jsa" "$train" "$train" "$app/sockwarden.jar" "$app/java/bin/java" $opts \
      && echo "-XX:SharedArchiveFile=$app/sockwarden.jsa -Xshare:auto $opts" > "$app/jvm.flags"; \
    fi \
 && rm -rf "$train" /tmp/* \
 && "$app/bin/sockwarden" --version
ENV SOCKWARDEN_DATA=/data
VOLUME /data
EXPOSE 2375 2376
# `status` exits 0 when the proxy in this container runs, is healthy, and its engine answers.
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 CMD ["/opt/sockwarden/bin/sockwarden", "health"]
ENTRYPOINT ["/opt/sockwarden/bin/sockwarden"]
CMD ["serve", "--listen", "0.0.0.0:2375", "--docker-socket", "/var/run/docker.sock"]
