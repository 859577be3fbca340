"""Make ``lead_refinery.lib`` importable without importing Odoo.

The addon's ``__init__`` imports its models, hence ``odoo``. These pure tests
must run without Odoo, so a bare package object stands in for
``lead_refinery`` and only the ``lib`` sub-package is loaded from disk.
This directory deliberately has no ``__init__.py``.
"""

import sys
import types
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parents[2]

if "lead_refinery" not in sys.modules:
    _package = types.ModuleType("lead_refinery")
    _package.__path__ = [str(ADDON_DIR)]
    sys.modules["lead_refinery"] = _package
