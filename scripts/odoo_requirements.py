"""Turn Odoo's requirements.txt into a list pip can install on this Python.

Odoo 18 pins, for Python 3.11, several source distributions that no longer
build (old gevent, lxml, psycopg2 ...). The pins it gives Python 3.12 all
ship wheels that also install on 3.11, so every environment marker is
evaluated as if we ran Python 3.12 (on 3.12 and newer the real version is
used). Two substitutions keep the install wheel-only:

* ``psycopg2`` becomes ``psycopg2-binary`` (no libpq headers needed);
* ``python-ldap`` is left out: only the optional ``auth_ldap`` addon uses it
  and it needs the OpenLDAP headers to build.

Usage: python odoo_requirements.py ODOO_SRC/requirements.txt > reqs.txt
"""

import sys

from packaging.markers import Marker
from packaging.requirements import Requirement

SKIPPED = {"python-ldap", "pypiwin32", "rl-renderpm"}
RENAMED = {"psycopg2": "psycopg2-binary"}


def _environment():
    environment = {}
    if sys.version_info < (3, 12):
        environment = {"python_version": "3.12", "python_full_version": "3.12.0"}
    return environment


def wheel_friendly(lines):
    """Yield requirement strings (markers resolved) for the current platform."""
    environment = _environment()
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not Marker(str(requirement.marker)).evaluate(environment):
            continue
        name = requirement.name.lower()
        if name in SKIPPED:
            continue
        requirement.name = RENAMED.get(name, requirement.name)
        requirement.marker = None
        yield str(requirement)


def main(path):
    with open(path, encoding="utf-8") as handle:
        for requirement in wheel_friendly(handle):
            print(requirement)


if __name__ == "__main__":
    main(sys.argv[1])
