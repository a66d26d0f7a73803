#!/bin/bash
# Manages the broker accounts of the sensor gateways. A gateway's
# username is the public id of its ingest token (srn_<public id>_<secret>);
# the ACL (mosquitto/acl.conf) lets it publish only to
# serenade/v1/ingest/<public id>/readings.
#
#   deploy/scripts/mqtt-gateway.sh add PUBLIC_ID     new random password, printed once
#   deploy/scripts/mqtt-gateway.sh remove PUBLIC_ID  the gateway can no longer connect
#   deploy/scripts/mqtt-gateway.sh set USER PASSWORD (used by init-secrets.sh)
#
# Options: --dir DIR (default deploy/secrets). Then reload the broker:
#   docker compose kill -s HUP mosquitto
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$here/secrets"
if [[ "${1:-}" == "--dir" ]]; then dir="$2"; shift 2; fi
passwd="$dir/mosquitto/passwd"

usage() { sed -n '2,13p' "$0" >&2; exit 2; }

# mosquitto_passwd from the host, or from the pinned broker image.
mpasswd() {
  if command -v mosquitto_passwd >/dev/null; then
    mosquitto_passwd "$@"
  else
    local args=() a
    for a in "$@"; do args+=("${a/#$dir\/mosquitto/\/work}"); done
    docker run --rm -u "$(id -u):$(id -g)" -v "$dir/mosquitto:/work" eclipse-mosquitto:2.0.22 mosquitto_passwd "${args[@]}"
  fi
}

# A username the ACL pattern can hold: no topic separators or wildcards.
check_name() {
  [[ "$1" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || { echo "bad name: want letters, digits, - and _ (1-64)" >&2; exit 2; }
}

new_file() {
  if [[ ! -e "$passwd" ]]; then
    install -d -m 0700 "$dir/mosquitto"
    (umask 077 && : >"$passwd")
    if [[ "$(id -u)" == 0 ]]; then chown 1883:1883 "$passwd"; fi
  fi
}

case "${1:-}" in
  add)
    [[ $# == 2 ]] || usage
    check_name "$2"
    new_file
    password="$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 32)"
    mpasswd -b "$passwd" "$2" "$password"
    printf 'username: %s\npassword: %s\n' "$2" "$password"
    ;;
  set)
    [[ $# == 3 ]] || usage
    check_name "$2"
    new_file
    mpasswd -b "$passwd" "$2" "$3"
    ;;
  remove)
    [[ $# == 2 ]] || usage
    mpasswd -D "$passwd" "$2"
    ;;
  *) usage ;;
esac
