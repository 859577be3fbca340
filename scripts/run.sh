#!/usr/bin/env bash
# One command: set everything up (PostgreSQL, venv with Odoo 18, the addon, a
# demo database) and serve Odoo at http://localhost:$LR_HTTP_PORT.
# Idempotent: a second run reuses what exists. Extra arguments go to odoo-bin.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prepare_all
if db_exists "$LR_DB" && [ "$(PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$LR_DB" -qtAc \
        "select state from ir_module_module where name = 'lead_refinery'" 2>/dev/null)" = installed ]; then
    log "database $LR_DB exists with lead_refinery installed: updating the addon"
    odoo_bin -d "$LR_DB" -u lead_refinery --stop-after-init --log-level=warn
else
    drop_db "$LR_DB"
    log "creating database $LR_DB with lead_refinery and demo data (a few minutes)"
    odoo_bin -d "$LR_DB" -i lead_refinery --stop-after-init --log-level=warn
fi
cat >&2 <<EOT

  lead_refinery is served at http://localhost:$LR_HTTP_PORT  (database $LR_DB)
  Logins (password = login):
    admin     administrator, Refinery Manager
    rep       a sales rep (Refinery User)
    partner   a distributor's portal user

EOT
exec "$PY" "$ODOO_SRC/odoo-bin" -c "$LR_CONF" -d "$LR_DB" --db-filter="^$LR_DB\$" "$@"
