"""Open an Odoo environment on a benchmark database for the ORM benchmarks.

Run the benchmarks with the project's virtualenv python after scripts/run.sh
or scripts/test.sh has set things up, e.g.::

    ~/.cache/lead_refinery/venv/bin/python bench/bench_identity.py

The database (``LR_BENCH_DB``, default ``lr_bench``) is created fresh with
lead_refinery installed (no demo data) unless ``--reuse`` is given.
"""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LR_HOME = Path(os.environ.get("LR_HOME", Path.home() / ".cache" / "lead_refinery"))
CONF = Path(os.environ.get("LR_CONF", LR_HOME / "odoo.conf"))
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo18"))
DB = os.environ.get("LR_BENCH_DB", "lr_bench")


def _conf_values():
    values = {}
    for line in CONF.read_text(encoding="utf-8").splitlines():
        if " = " in line:
            key, value = line.split(" = ", 1)
            values[key.strip()] = value.strip()
    return values


def fresh_database(name=DB):
    """Drop and recreate ``name`` with lead_refinery installed, without demo data."""
    values = _conf_values()
    env = dict(
        os.environ,
        PGHOST=values["db_host"],
        PGPORT=values["db_port"],
        PGUSER=values["db_user"],
        PGPASSWORD=values["db_password"],
    )
    subprocess.run(["dropdb", "--if-exists", name], env=env, check=True)
    subprocess.run(
        [
            sys.executable,
            str(ODOO_SRC / "odoo-bin"),
            "-c",
            str(CONF),
            "-d",
            name,
            "-i",
            "lead_refinery",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


@contextlib.contextmanager
def environment(name=DB):
    """An environment as superuser on ``name``; the caller commits what it keeps."""
    import odoo  # noqa: PLC0415 (imported here so --help works without a configured Odoo)
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(CONF), "-d", name, "--log-level=warn"])
    registry = Registry(name)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
