#!/usr/bin/env bash
# One command runs the whole suite, on a fresh throwaway database:
#   1. repository checks: ruff, pylint-odoo mandatory checks, packaging,
#      install with/without demo data and upgrade with a clean log;
#   2. pure lib/ tests (no database, no Odoo import);
#   3. the addon's Odoo tests with pytest-odoo (TransactionCase, HttpCase over
#      real HTTP, browser tours in headless Chromium) and Odoo's own crm test
#      suite, both on one database where lead_refinery is installed.
# It ends with one "total: N passed, N failed, N skipped" line and exits
# non-zero on any failure. Extra arguments are passed to the Odoo pytest run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prepare_all
ensure_chromium

RUN_ID="$(date +%Y%m%d%H%M%S)_$$"
REPORTS="$LR_HOME/reports/$RUN_ID"
TEST_DB="lr_test_$RUN_ID"
mkdir -p "$REPORTS"
export LR_CONF ODOO_SRC LR_HOME RUN_ID PY
cleanup() { drop_db "$TEST_DB" 2>/dev/null || true; drop_db "${TEST_DB}_demo" 2>/dev/null || true; }
trap cleanup EXIT
cd "$REPO_ROOT"

log "creating $TEST_DB with lead_refinery (no demo data)"
export LR_INSTALL_LOG="$REPORTS/install.log"
installed=0
odoo_bin -d "$TEST_DB" -i lead_refinery --without-demo=all --stop-after-init \
    --log-level=warn >"$LR_INSTALL_LOG" 2>&1 && installed=1

log "stage 1: repository checks (lint, packaging, install and upgrade logs)"
"$PY" -m pytest -p no:odoo -p no:cacheprovider -q tests \
    --junitxml="$REPORTS/1-repository.xml" || true

log "stage 2: pure lib/ tests (no database, no Odoo)"
"$PY" -m pytest -p no:odoo -p no:cacheprovider -q lead_refinery/lib/tests \
    --junitxml="$REPORTS/2-lib.xml" || true

if [ "$installed" = 1 ]; then
    log "stage 3: addon tests and Odoo's crm suite (pytest-odoo, real HTTP, headless Chromium)"
    "$PY" -m pytest -p no:cacheprovider -q \
        --odoo-database="$TEST_DB" --odoo-config="$LR_CONF" --odoo-http --odoo-log-level=warn \
        lead_refinery/tests "$ODOO_SRC/odoo/addons/crm/tests" \
        --junitxml="$REPORTS/3-odoo.xml" "$@" || true
else
    cat "$REPORTS/install.log" >&2
    log "installing lead_refinery on $TEST_DB failed; the Odoo stage counts as failed"
fi

echo
"$PY" "$REPO_ROOT/scripts/summarize.py" "$REPORTS/1-repository.xml" "$REPORTS/2-lib.xml" "$REPORTS/3-odoo.xml"
