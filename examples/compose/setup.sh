#!/bin/sh
# The clients of docker-compose.yml and the certificates of the two TLS clients, made once (it runs
# again on every `up` and skips what exists). Runs as root in the sockwarden image; each `sockwarden`
# command drops to the image's user, uid 10001, as the proxy does.
set -eu
add() {
  name=$1
  shift
  sockwarden client show "$name" >/dev/null 2>&1 || sockwarden client add "$name" "$@"
}
sockwarden init >/dev/null
add traefik --preset traefik
add portainer --preset portainer
add watchtower --preset watchtower --listen 0.0.0.0:2377 --from 172.30.77.0/29
add homepage --preset homepage --socket /run/sockwarden/homepage.sock --socket-owner :1000 --socket-mode 0660 --peer-uid 1000
add discovery --preset discovery --listen 0.0.0.0:2378 --from 172.30.78.0/29
for client in traefik portainer; do
  if [ ! -f "/certs/$client/cert.pem" ]; then
    mkdir -p "/certs/$client"
    chown 10001:10001 "/certs/$client"
    sockwarden cert issue "$client" --out "/certs/$client" --days 365
  fi
done
