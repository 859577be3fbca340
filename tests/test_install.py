"""Install with demo data, upgrade, and require a log free of warnings and errors."""

import os
import re
import subprocess

import pytest
from _support import run

LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ", re.MULTILINE)

COUNT_DEMO = """
env = self.env
print("LEADS", env["crm.lead"].with_context(active_test=False).search_count([]))
leads = env["crm.lead"].with_context(active_test=False)
print("REJECTED", leads.search_count([("refinery_stage_code", "=", "rejected")]))
print("UNOWNED", env["crm.lead"].search_count([("refinery_unowned", "=", True)]))
print("PORTAL", env["res.users"].search_count([("login", "=", "partner"), ("share", "=", True)]))
print("REP", env["res.users"].search_count([("login", "=", "rep")]))
"""


@pytest.fixture(scope="module")
def demo_db(venv_python, odoo_conf):
    name = f"lr_test_{os.environ['RUN_ID']}_demo"
    yield name
    run(["dropdb", "--if-exists", name], env=_pg_env(odoo_conf))


def _pg_env(conf_path):
    values = dict(
        line.split(" = ", 1)
        for line in open(conf_path, encoding="utf-8").read().splitlines()
        if " = " in line
    )
    return dict(
        os.environ,
        PGHOST=values["db_host"],
        PGPORT=values["db_port"],
        PGUSER=values["db_user"],
        PGPASSWORD=values["db_password"],
    )


def _odoo(venv_python, odoo_conf, *args, stdin=None, command_name=None):
    """Run odoo-bin; a sub-command such as ``shell`` must come before the options."""
    command = [venv_python, f"{os.environ['ODOO_SRC']}/odoo-bin"]
    command += [command_name] if command_name else []
    command += ["-c", odoo_conf, "--log-level=warn", *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=1800, check=False
    )


def _problems(output):
    return [line for line in output.splitlines() if LOG_PROBLEM.match(line)]


def test_install_with_demo_then_upgrade_is_clean(venv_python, odoo_conf, demo_db):
    installed = _odoo(
        venv_python, odoo_conf, "-d", demo_db, "-i", "lead_refinery", "--stop-after-init"
    )
    assert installed.returncode == 0, installed.stderr[-5000:]
    assert _problems(installed.stderr + installed.stdout) == []

    upgraded = _odoo(
        venv_python, odoo_conf, "-d", demo_db, "-u", "lead_refinery", "--stop-after-init"
    )
    assert upgraded.returncode == 0, upgraded.stderr[-5000:]
    assert _problems(upgraded.stderr + upgraded.stdout) == []

    shell = _odoo(
        venv_python, odoo_conf, "-d", demo_db, "--no-http", stdin=COUNT_DEMO, command_name="shell"
    )
    counts = dict(
        re.findall(r"^(LEADS|REJECTED|UNOWNED|PORTAL|REP) (\d+)$", shell.stdout, re.MULTILINE)
    )
    assert int(counts["LEADS"]) >= 60, shell.stdout + shell.stderr[-3000:]
    assert int(counts["REJECTED"]) > 0
    assert int(counts["UNOWNED"]) > 0
    assert counts["PORTAL"] == "1"
    assert counts["REP"] == "1"


def test_install_without_demo_is_clean():
    """scripts/test.sh installs the throwaway test database first and keeps its log."""
    log_path = os.environ.get("LR_INSTALL_LOG")
    if not log_path:
        pytest.skip("run through scripts/test.sh (LR_INSTALL_LOG is not set)")
    output = open(log_path, encoding="utf-8").read()
    assert _problems(output) == []
