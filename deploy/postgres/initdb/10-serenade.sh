#!/bin/bash
# Runs once, when the Percona PostgreSQL container initialises an empty
# data directory (ENABLE_PG_TDE=1 has loaded pg_tde). It creates
# Serenade's role and database, the pg_tde key provider and principal
# key, and makes tde_heap the database's default access method, so that
# every table Serenade's migrations create (identity, contacts,
# documents, audit trail and the rest) is encrypted on disk.
#
# The key provider here is a keyring FILE inside the data volume: fine to
# start with, but whoever copies the volume has the key. In production,
# replace it with Vault or KMIP (see docs/operations.md, "PostgreSQL and
# pg_tde"); Serenade seals identity and medical fields itself in any case.
set -euo pipefail

password="$(cat "${SERENADE_DB_PASSWORD_FILE:?}")"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres -v pw="$password" <<'SQL'
CREATE ROLE serenade LOGIN PASSWORD :'pw';
CREATE DATABASE serenade OWNER serenade;
SQL

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname serenade <<SQL
CREATE EXTENSION IF NOT EXISTS pg_tde;
SELECT pg_tde_add_database_key_provider_file('serenade-keyring', '${PGDATA:-/data/db}/pg_tde_serenade.per');
SELECT pg_tde_create_key_using_database_key_provider('serenade-principal-key', 'serenade-keyring');
SELECT pg_tde_set_key_using_database_key_provider('serenade-principal-key', 'serenade-keyring');
ALTER DATABASE serenade SET default_table_access_method = 'tde_heap';
GRANT ALL ON SCHEMA public TO serenade;
SQL
