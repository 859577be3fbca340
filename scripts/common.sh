# shellcheck shell=bash
# Shared set-up for scripts/run.sh and scripts/test.sh. Source it; every step
# is idempotent, so a second run only checks what already exists.
#
# Configuration (environment variables, all optional):
#   ODOO_SRC       Odoo 18.0 source tree (with odoo-bin)       default /opt/odoo18
#   LR_HOME        venv, odoo.conf, filestore and logs          default ~/.cache/lead_refinery
#   LR_DB          database served by scripts/run.sh            default lead_refinery
#   LR_DB_USER     PostgreSQL role Odoo connects as             default lead_refinery
#   LR_DB_PASSWORD its password                                  default lead_refinery
#   LR_HTTP_PORT   port served by scripts/run.sh                default 8069
#   PGHOST PGPORT PGUSER PGPASSWORD   reuse an existing PostgreSQL server

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo18}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
LR_HOME="${LR_HOME:-${HOME:-/root}/.cache/lead_refinery}"
LR_VENV="${LR_VENV:-$LR_HOME/venv}"
LR_DB="${LR_DB:-lead_refinery}"
LR_DB_USER="${LR_DB_USER:-lead_refinery}"
LR_DB_PASSWORD="${LR_DB_PASSWORD:-lead_refinery}"
LR_HTTP_PORT="${LR_HTTP_PORT:-8069}"
LR_CONF="$LR_HOME/odoo.conf"
PY="$LR_VENV/bin/python"

log() { printf '\033[1m[lead_refinery]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[lead_refinery] error:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
    is_root || die "missing system packages ($*): install them with apt-get (needs root)."
    command -v apt-get >/dev/null || die "missing system packages ($*) and no apt-get here."
    log "apt-get install $*"
    if [ ! -f "$LR_HOME/.apt-updated" ]; then
        apt-get update -qq >/dev/null || die "apt-get update failed (no package mirror reachable?)"
        mkdir -p "$LR_HOME" && touch "$LR_HOME/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# --- Odoo source --------------------------------------------------------------
ensure_odoo_src() {
    if [ -f "$ODOO_SRC/odoo-bin" ] && [ -f "$ODOO_SRC/odoo/release.py" ]; then
        grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
            || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 tree (see odoo/release.py)."
        return
    fi
    log "no Odoo 18.0 source at ODOO_SRC=$ODOO_SRC; trying a shallow clone of $ODOO_GIT_URL (18.0)"
    command -v git >/dev/null || die "git is missing; install git or set ODOO_SRC to an Odoo 18.0 tree."
    if timeout 900 git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_SRC.partial" 2>"$LR_HOME/clone.log"; then
        mv "$ODOO_SRC.partial" "$ODOO_SRC"
    else
        rm -rf "$ODOO_SRC.partial"
        die "Odoo 18.0 source not found and it could not be cloned (no internet?).
    Put an Odoo 18.0 source tree (the one holding odoo-bin) at $ODOO_SRC,
    or point ODOO_SRC at one, e.g.:   ODOO_SRC=/path/to/odoo scripts/test.sh"
    fi
}

# --- PostgreSQL ---------------------------------------------------------------
# Sets DB_HOST DB_PORT DB_USER DB_PASSWORD for odoo.conf.
psql_as_admin() {
    if [ -n "${LR_PG_EXTERNAL:-}" ]; then
        psql -v ON_ERROR_STOP=1 -qtA -d postgres "$@"
    else
        (cd / && su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -d postgres $(printf '%q ' "$@")")
    fi
}

ensure_postgres() {
    if [ -n "${PGHOST:-}" ] && pg_isready -q 2>/dev/null; then
        log "reusing the PostgreSQL server at PGHOST=$PGHOST"
        LR_PG_EXTERNAL=1
        DB_HOST="$PGHOST"
        DB_PORT="${PGPORT:-5432}"
        if [ -n "${PGUSER:-}" ] && [ "$PGUSER" != postgres ]; then
            DB_USER="$PGUSER"
            DB_PASSWORD="${PGPASSWORD:-}"
            return
        fi
    else
        if ! command -v pg_ctlcluster >/dev/null; then
            apt_install postgresql
        fi
        is_root || die "PostgreSQL is not reachable through PG* variables and starting the local
    cluster needs root. Start PostgreSQL, or export PGHOST/PGPORT/PGUSER/PGPASSWORD."
        local version
        version="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1}')"
        if [ -z "$version" ]; then
            version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
            log "creating PostgreSQL $version cluster 'main'"
            pg_createcluster "$version" main >/dev/null
        fi
        if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" && $4=="online" {ok=1} END {exit !ok}'; then
            log "starting PostgreSQL $version"
            pg_ctlcluster "$version" main start || die "could not start PostgreSQL $version (see /var/log/postgresql)"
        fi
        DB_HOST=localhost
        DB_PORT="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"
    fi
    # Odoo refuses to run as the 'postgres' superuser: use a dedicated role.
    DB_USER="$LR_DB_USER"
    DB_PASSWORD="$LR_DB_PASSWORD"
    if [ "$(PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qtAc 'select 1' 2>/dev/null)" != 1 ]; then
        log "creating PostgreSQL role $DB_USER"
        psql_as_admin -c "DO \$\$BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
            ELSE
                ALTER ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
            END IF; END\$\$;" >/dev/null || die "could not create the PostgreSQL role $DB_USER"
    fi
}

# --- Python environment -------------------------------------------------------
ensure_venv() {
    local stamp="$LR_VENV/.lead_refinery-stamp"
    local want
    want="$(cat "$ODOO_SRC/requirements.txt" "$REPO_ROOT/setup.py" "$REPO_ROOT/requirements-dev.txt" "$REPO_ROOT/lead_refinery/__manifest__.py" | sha1sum | cut -c1-12)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$PY" -c 'import odoo' 2>/dev/null; then
        return
    fi
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "Python 3.10 or newer is needed (found $(python3 --version 2>&1))."
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        apt_install python3-venv
    fi
    mkdir -p "$LR_HOME"
    [ -x "$PY" ] || { log "creating virtualenv $LR_VENV"; python3 -m venv "$LR_VENV"; }
    log "installing Odoo 18 from $ODOO_SRC and the addon's dependencies (first run takes a few minutes)"
    "$PY" -m pip install -q --upgrade pip setuptools wheel packaging
    "$PY" "$REPO_ROOT/scripts/odoo_requirements.py" "$ODOO_SRC/requirements.txt" > "$LR_HOME/odoo-requirements.txt"
    "$PY" -m pip install -q -r "$LR_HOME/odoo-requirements.txt" \
        || die "installing Odoo's Python requirements failed (see the pip output above)."
    # Odoo itself, editable in 'compat' mode: a plain path entry, so that
    # odoo.addons keeps finding the addons that live inside the source tree.
    "$PY" -m pip install -q --no-deps --no-build-isolation -e "$ODOO_SRC" --config-settings editable_mode=compat \
        || die "installing Odoo from $ODOO_SRC failed."
    "$PY" -m pip install -q -e "$REPO_ROOT" -r "$REPO_ROOT/requirements-dev.txt" \
        || die "installing lead_refinery and its test tools failed."
    echo "$want" > "$stamp"
}

# --- Headless browser for tours -----------------------------------------------
ensure_chromium() {
    if command -v chromium >/dev/null || command -v google-chrome >/dev/null || command -v chromium-browser >/dev/null; then
        return
    fi
    apt_install chromium
}

# --- odoo.conf ------------------------------------------------------------------
write_odoo_conf() {
    mkdir -p "$LR_HOME/data"
    cat > "$LR_CONF" <<EOF
[options]
addons_path = $REPO_ROOT,$ODOO_SRC/odoo/addons
data_dir = $LR_HOME/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_port = $LR_HTTP_PORT
list_db = True
without_demo = False
EOF
}

odoo_bin() { "$PY" "$ODOO_SRC/odoo-bin" -c "$LR_CONF" "$@"; }

db_exists() {
    [ "$(PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qtAc \
        "select 1 from pg_database where datname = '$1'")" = 1 ]
}

drop_db() {
    PGPASSWORD="$DB_PASSWORD" dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$1"
    rm -rf "$LR_HOME/data/filestore/$1"
}

prepare_all() {
    mkdir -p "$LR_HOME"
    ensure_odoo_src
    ensure_postgres
    ensure_venv
    write_odoo_conf
}
