#!/bin/sh
# Runs once, when the db volume is first initialised (docker-entrypoint-initdb.d), as POSTGRES_USER (the owner,
# who runs the migrations). Creates the app's login role with no rights of its own: it gets them through the group
# role bybit_scalper_app, which migration 1764000000910 fills (data rights only, INSERT/SELECT on audit_logs).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="${APP_DB_PASSWORD}" <<'SQL'
DO $$ BEGIN
  CREATE ROLE bybit_scalper_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE ROLE bot_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password' IN ROLE bybit_scalper_app;
SQL
