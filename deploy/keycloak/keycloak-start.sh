#!/bin/bash
# Starts Keycloak with its secrets read from the files compose mounts
# (Keycloak reads no *_FILE variables), importing the realm on first
# start (a realm that exists is left as it is). The realm file is
# mounted at /opt/serenade/realm; compose.demo.yaml also mounts the demo
# users at /opt/serenade/demo, and only then are they imported. The realm
# export refers to SERENADE_OIDC_CLIENT_SECRET and SERENADE_HOST as ${...}
# placeholders, which Keycloak fills from this environment on import.
set -euo pipefail
KC_DB_PASSWORD="$(cat /run/secrets/keycloak_db_password)"
KC_BOOTSTRAP_ADMIN_PASSWORD="$(cat /run/secrets/keycloak_admin_password)"
SERENADE_OIDC_CLIENT_SECRET="$(cat /run/secrets/keycloak_oidc_client_secret)"
export KC_DB_PASSWORD KC_BOOTSTRAP_ADMIN_PASSWORD SERENADE_OIDC_CLIENT_SECRET
import=/opt/keycloak/data/import
mkdir -p "$import"
rm -f "$import"/*.json
cp /opt/serenade/realm/*.json "$import"/
if compgen -G '/opt/serenade/demo/*.json' >/dev/null; then
  echo "keycloak-start: importing the DEMO users (public passwords)" >&2
  cp /opt/serenade/demo/*.json "$import"/
fi
exec /opt/keycloak/bin/kc.sh start --import-realm
