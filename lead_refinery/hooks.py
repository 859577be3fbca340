import logging

from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


def pre_init_hook(env):
    """Account matching searches names by trigram similarity: it needs pg_trgm.

    pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner can
    create it; when that is refused, say how to fix it instead of failing later.
    """
    env.cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if env.cr.fetchone():
        return
    try:
        with env.cr.savepoint():
            env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:
        raise UserError(
            "lead_refinery needs the PostgreSQL extension pg_trgm for account matching, and "
            f"it could not be created ({error}). Run as a superuser: CREATE EXTENSION pg_trgm;"
        ) from error
    _logger.info("lead_refinery: created the pg_trgm extension")


def post_init_hook(env):
    """Place the leads that existed before the install on the refinery ladder."""
    env["crm.lead"].with_context(active_test=False).search(
        [("refinery_stage_id", "=", False)]
    )._refinery_place_existing()
