"""Package the lead_refinery addon as ``odoo.addons.lead_refinery``.

``pip install .`` installs the addon where Odoo finds it (inside the
``odoo.addons`` namespace of the environment) together with the Python
libraries it needs. Odoo itself is not a dependency here: it is installed
from its own source tree (see README.md).
"""

import ast
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
ADDON = "lead_refinery"
# Manifest entries are import names; a few PyPI names differ.
PIP_NAMES = {"dateutil": "python-dateutil"}
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text(encoding="utf-8"))


def _packages():
    """Every Python package of the addon, renamed into odoo.addons."""
    found = []
    for init in sorted((HERE / ADDON).rglob("__init__.py")):
        relative = init.parent.relative_to(HERE / ADDON).parts
        found.append(".".join(("odoo", "addons", ADDON, *relative)))
    return found


DATA_SUFFIXES = ("xml", "csv", "js", "scss", "css", "png", "svg", "json", "txt")


def _package_data():
    """Views, data, security and static files live in non-package folders."""
    return {f"odoo.addons.{ADDON}": [f"**/*.{suffix}" for suffix in DATA_SUFFIXES]}


setup(
    name="odoo-addon-lead-refinery",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license=MANIFEST["license"],
    author=MANIFEST["author"],
    python_requires=">=3.10",
    packages=_packages(),
    package_dir={f"odoo.addons.{ADDON}": ADDON},
    package_data=_package_data(),
    include_package_data=True,
    install_requires=[
        PIP_NAMES.get(name, name) for name in MANIFEST["external_dependencies"]["python"]
    ],
    zip_safe=False,
)
