#!/bin/bash
# Creates every secret file compose.yaml refers to, under DIR (default:
# deploy/secrets), each mode 0600 and owned by the user of the container
# that reads it. Existing files are kept: run it again after adding a
# secret, never to rotate one (see docs/operations.md). Run it as root
# (for the ownership) on the host that runs compose:
#
#   sudo deploy/scripts/init-secrets.sh [DIR]
#
# Needs: bash, coreutils, openssl (self-signed TLS certificate for a first
# test when DIR/tls has none) and mosquitto_passwd (from the mosquitto
# package, or the pinned eclipse-mosquitto image through docker).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$here/secrets}"
host="${SERENADE_HOST:-serenade.example.org}"
auth_host="${SERENADE_AUTH_HOST:-auth.example.org}"
mosquitto_image="eclipse-mosquitto:2.0.22"

# Users of the images. Compose mounts a secret file with the owner and
# mode it has here, so each file belongs to the one user that reads it
# (root reads them all: Traefik, the official postgres entrypoint).
serenade_uid=65532  # deploy/Dockerfile
percona_uid=26      # percona/percona-distribution-postgresql
keycloak_uid=1000   # quay.io/keycloak/keycloak
grafana_uid=472     # grafana/grafana
mosquitto_uid=1883  # eclipse-mosquitto

random() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; }

# put FILE OWNER CONTENTS: writes FILE once (mode 0600).
put() {
  local file="$1" owner="$2" contents="$3"
  if [[ -e "$file" ]]; then
    echo "kept     $file"
    return
  fi
  install -d -m 0700 "$(dirname "$file")"
  (umask 077 && printf '%s\n' "$contents" >"$file")
  chown_if_root "$owner" "$file"
  echo "created  $file"
}

chown_if_root() {
  if [[ "$(id -u)" == 0 ]]; then chown "$1:$1" "$2"; fi
}

install -d -m 0755 "$dir"

# PostgreSQL: the superuser's password, Serenade's role's password and
# the URL Serenade connects with (the same password, read once here).
put "$dir/postgres_password" "$percona_uid" "$(random)"
put "$dir/serenade_db_password" "$percona_uid" "$(random)"
db_password="$(head -n1 "$dir/serenade_db_password")"
put "$dir/serenade_database_url" "$serenade_uid" "postgres://serenade:${db_password}@postgres:5432/serenade?sslmode=disable"

# Serenade's master key: base64 of 32 random bytes, in a directory of its
# own that Serenade may write (keys rotate replaces the file there).
install -d -m 0700 "$dir/keys"
chown_if_root "$serenade_uid" "$dir/keys"
put "$dir/keys/master.key" "$serenade_uid" "$(head -c 32 /dev/urandom | base64)"

# Keycloak and its database; the OIDC client's secret, which the realm
# import gives the client and Serenade presents at the token endpoint
# (one copy for each of the two users that read it).
put "$dir/keycloak_db_password" "$keycloak_uid" "$(random)"
put "$dir/keycloak_admin_password" "$keycloak_uid" "$(random)"
put "$dir/oidc_client_secret" "$serenade_uid" "$(random)"
put "$dir/keycloak_oidc_client_secret" "$keycloak_uid" "$(head -n1 "$dir/oidc_client_secret")"
put "$dir/grafana_admin_password" "$grafana_uid" "$(random)"

# TLS for Traefik and Mosquitto: the hospital's certificate and key go
# to tls/cert.pem and tls/key.pem; without them, a self-signed pair for
# a first test.
install -d -m 0700 "$dir/tls"
if [[ ! -e "$dir/tls/cert.pem" ]]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -days 365 -nodes -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host,DNS:$auth_host" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
  chmod 0600 "$dir/tls/key.pem"
  echo "created  $dir/tls/cert.pem (self-signed, for a first test only)"
fi

# Mosquitto: its copy of the TLS pair, and the password file with
# Serenade's account; gateways are added by scripts/mqtt-gateway.sh.
install -d -m 0700 "$dir/mosquitto"
chown_if_root "$mosquitto_uid" "$dir/mosquitto"
for f in cert.pem key.pem; do
  if [[ ! -e "$dir/mosquitto/$f" ]]; then
    install -m 0600 "$dir/tls/$f" "$dir/mosquitto/$f"
    chown_if_root "$mosquitto_uid" "$dir/mosquitto/$f"
  fi
done
if [[ ! -e "$dir/mqtt_serenade_credentials" ]]; then
  mqtt_password="$(random)"
  put "$dir/mqtt_serenade_credentials" "$serenade_uid" "$(printf 'serenade\n%s' "$mqtt_password")"
  "$here/scripts/mqtt-gateway.sh" --dir "$dir" set serenade "$mqtt_password" >/dev/null
  echo "created  $dir/mosquitto/passwd (account serenade)"
fi
