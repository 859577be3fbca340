"""Pure, Odoo-free engines of lead_refinery.

Nothing in this package imports ``odoo``: every function takes and returns
plain Python values so it can be unit-tested without a database and reused
from benchmarks. The ORM layer in ``models/`` reads records, calls these
functions and writes the results back.
"""
