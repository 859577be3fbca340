"""Repository-level checks: they drive tools and odoo-bin as subprocesses.

scripts/test.sh exports PY (the project's venv python), LR_CONF (its
odoo.conf), ODOO_SRC and RUN_ID. Run outside it, the checks that need them
are skipped with the reason.
"""

import os

import pytest


@pytest.fixture(scope="session")
def venv_python():
    python = os.environ.get("PY")
    if not python:
        pytest.skip("run through scripts/test.sh (PY is not set)")
    return python


@pytest.fixture(scope="session")
def odoo_conf():
    conf = os.environ.get("LR_CONF")
    if not conf or not os.environ.get("ODOO_SRC"):
        pytest.skip("run through scripts/test.sh (LR_CONF / ODOO_SRC are not set)")
    return conf
