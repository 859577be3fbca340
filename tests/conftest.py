"""Repository-level checks: they drive tools and odoo-bin as subprocesses.

scripts/test.sh exports PY (the project's venv python), LR_CONF (its
odoo.conf), ODOO_SRC and RUN_ID. Run outside it, the checks that need them
are skipped with the reason.
"""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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


def run(command, **kwargs):
    """Run a command from the repository root, capturing its output as text."""
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, **kwargs)
