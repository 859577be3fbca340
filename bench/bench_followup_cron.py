"""Benchmark of the follow-up escalation cron (``crm.lead._action_sla_escalate``).

Run from the repository root with the virtualenv's Python and an ``odoo.conf``
(``scripts/common.sh`` writes one to ``$LR_CONF``)::

    $PY bench/bench_followup_cron.py -c "$LR_CONF" -d lr_bench

The database is created with lead_refinery (no demo data) when it does not
exist. Then, for 100,000 and for 10,000 open leads, of which 5,000 are
overdue each time, one run of the cron is timed in a fresh process:

* the overdue leads mix the three heavy steps: 2,000 breaches (owner and
  manager notified, an activity for the manager), 2,000 reassignments
  (another rep of the team, least loaded, chatter reason) and 1,000
  escalations to the manager's queue;
* the other leads are open, owned and on the clock, not due yet;
* leads are written with SQL, as the ORM would have stored them, so that
  setting up 100,000 leads takes seconds; the run itself is the real cron
  path: batches of 200, row locks, one commit per batch.

It prints the run time, the process's peak memory (peak RSS, Odoo's registry
included), the actions taken, and the ratio of the two run times. Targets: at
most 60 s and 500 MB at 100,000 open leads, and a ratio near 1 (the cost
follows the overdue leads, not the open ones). ``--open`` and ``--overdue``
change the sizes; ``--size N`` runs one size in the current process.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

REPS = 20
LEAD_PREFIX = "Bench follow-up lead"
TEAM_NAME = "Bench follow-up team"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="odoo.conf")
    parser.add_argument("-d", "--database", default="lr_bench")
    parser.add_argument("--open", type=int, nargs="+", default=[100_000, 10_000])
    parser.add_argument("--overdue", type=int, default=5_000)
    parser.add_argument("--size", type=int, help="run one size in this process (internal)")
    return parser.parse_args()


def odoo_env(args):
    import odoo  # noqa: PLC0415 - the parent process never imports Odoo
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    odoo.netsvc.init_logger()
    registry = odoo.modules.registry.Registry(args.database)
    return odoo, registry


def ensure_database(args):
    import odoo  # noqa: PLC0415

    odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
    probe = subprocess.run(
        [sys.executable, str(odoo_bin), "shell", "-c", args.config, "-d", args.database,
         "--no-http", "--log-level=critical"],
        input="print('LR_INSTALLED', env['ir.module.module'].search_count("
        "[('name', '=', 'lead_refinery'), ('state', '=', 'installed')]))\n",
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if "LR_INSTALLED 1" in probe.stdout:
        return
    print(f"creating {args.database} with lead_refinery (no demo data)...", flush=True)
    subprocess.run(
        [sys.executable, str(odoo_bin), "-c", args.config, "-d", args.database,
         "-i", "lead_refinery", "--without-demo=all", "--stop-after-init", "--log-level=warn"],
        check=True,
    )  # fmt: skip


def base_data(env):
    """A US company on New York hours, a team of 20 reps and its leader, the team SLA."""
    from odoo import Command  # noqa: PLC0415

    team = env["crm.team"].search([("name", "=", TEAM_NAME)], limit=1)
    if team:
        return team
    company = env.company
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench New York office",
            "tz": "America/New_York",
            "attendance_ids": [
                Command.create(
                    {
                        "name": f"{day} {start}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": end,
                    }
                )
                for day in range(5)
                for start, end in ((8, 12), (13, 17))
            ],
        }
    )
    company.write({"resource_calendar_id": calendar.id, "country_id": env.ref("base.us").id})
    users = env["res.users"].with_context(no_reset_password=True)
    salesman = env.ref("sales_team.group_sale_salesman")
    reps = users.create(
        [
            {
                "name": f"Bench rep {index:02d}",
                "login": f"bench_rep_{index:02d}",
                "groups_id": [Command.set(salesman.ids)],
                "tz": "America/New_York",
                "notification_type": "inbox",
            }
            for index in range(REPS)
        ]
    )
    leader = users.create(
        {
            "name": "Bench sales manager",
            "login": "bench_manager",
            "groups_id": [Command.set(env.ref("sales_team.group_sale_manager").ids)],
            "tz": "America/New_York",
            "notification_type": "inbox",
        }
    )
    team = env["crm.team"].create({"name": TEAM_NAME, "user_id": leader.id, "member_ids": reps.ids})
    team.crm_team_member_ids.write({"assignment_max": 10_000})
    env["crm.sla.policy"].create(
        {
            "name": "Bench team SLA",
            "team_id": team.id,
            "first_response_days": 2,
            "follow_up_days": 3,
            "warn_before_hours": 4,
            "grace_hours": 8,
            "max_reassignments": 2,
            "recycle_after_days": 30,
        }
    )
    env.cr.commit()
    return team


def reset_leads(cr):
    cr.execute("SELECT id FROM crm_lead WHERE name LIKE %s", [f"{LEAD_PREFIX}%"])
    ids = tuple(row[0] for row in cr.fetchall()) or (0,)
    cr.execute("DELETE FROM mail_message WHERE model = 'crm.lead' AND res_id IN %s", [ids])
    cr.execute("DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id IN %s", [ids])
    cr.execute("DELETE FROM mail_followers WHERE res_model = 'crm.lead' AND res_id IN %s", [ids])
    cr.execute(
        "DELETE FROM mail_message WHERE message_type = 'user_notification' AND model IS NULL"
    )
    cr.execute("DELETE FROM crm_lead WHERE id IN %s", [ids])


def insert_leads(env, team, total, overdue):
    """``total`` open leads on the clock; the first ``overdue`` are due for a heavy step."""
    from odoo import fields  # noqa: PLC0415

    cr = env.cr
    now = fields.Datetime.now()
    policy = env["crm.sla.policy"].search([("team_id", "=", team.id)], limit=1)
    stage = env["crm.refinery.stage"].search([("code", "=", "lead")], limit=1)
    pipeline_stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    reps = team.crm_team_member_ids.user_id.sorted("id").ids
    late_start = now - timedelta(days=10)
    cr.execute(
        """
        INSERT INTO crm_lead (
            name, type, active, user_id, team_id, company_id, stage_id, refinery_stage_id,
            refinery_stage_code, refinery_max_rank, refinery_date_stage, is_good_lead,
            refinery_grade, refinery_unowned, probability, expected_revenue, touch_count,
            create_uid, write_uid, create_date, write_date, date_open,
            sla_policy_id, sla_start, sla_deadline, sla_next_check,
            sla_warned, sla_breach_notified, sla_breached, reassign_count
        )
        SELECT
            %(prefix)s || ' ' || n, 'lead', TRUE, (%(reps)s::int[])[1 + n %% %(nreps)s],
            %(team)s, %(company)s, %(pipeline_stage)s, %(stage)s, 'lead', 30,
            CASE WHEN n < %(overdue)s THEN %(late)s ELSE %(now)s - n %% 24 * INTERVAL '1h' END,
            TRUE, 'D', FALSE, 10, 0, 0, 1, 1, %(now)s, %(now)s, %(now)s - INTERVAL '40 days',
            %(policy)s,
            CASE WHEN n < %(overdue)s THEN %(late)s ELSE %(now)s - n %% 24 * INTERVAL '1h' END,
            CASE WHEN n < %(overdue)s THEN %(late)s + INTERVAL '2 days'
                 ELSE %(now)s + INTERVAL '2 days' END,
            CASE WHEN n < %(overdue)s THEN %(late)s + INTERVAL '2 days'
                 ELSE %(now)s + (1 + n %% 47) * INTERVAL '1 hour' END,
            n < %(overdue)s,
            n < %(overdue)s AND n %% 5 >= 2,
            n < %(overdue)s AND n %% 5 >= 2,
            CASE WHEN n < %(overdue)s AND n %% 5 = 4 THEN 2 ELSE 0 END
        FROM generate_series(0, %(total)s - 1) AS n
        """,
        {
            "prefix": LEAD_PREFIX,
            "reps": reps,
            "nreps": len(reps),
            "team": team.id,
            "company": env.company.id,
            "stage": stage.id,
            "pipeline_stage": pipeline_stage.id,
            "policy": policy.id,
            "overdue": overdue,
            "total": total,
            "now": now,
            "late": late_start,
        },
    )


def vacuum(odoo, database):
    """Clean up after the previous size's leads, so that each run starts on a tidy table."""
    connection = odoo.sql_db.db_connect(database)
    with closing(connection.cursor()) as cr:
        cr._cnx.autocommit = True
        for table in ("crm_lead", "mail_message", "mail_followers", "mail_activity"):
            cr.execute(f"VACUUM ANALYZE {table}")


def run_one(args):
    odoo, registry = odoo_env(args)
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        team = base_data(env)
        reset_leads(cr)
        insert_leads(env, team, args.size, args.overdue)
        cr.commit()
    vacuum(odoo, args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        counts = env["crm.lead"]._action_sla_escalate()
        elapsed = time.perf_counter() - started
        cr.commit()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cr.execute(
            "SELECT count(*) FROM crm_lead WHERE name LIKE %s AND user_id IS NULL",
            [f"{LEAD_PREFIX}%"],
        )
        unowned = cr.fetchone()[0]
    print(
        "RESULT "
        + json.dumps(
            {
                "open": args.size,
                "overdue": args.overdue,
                "seconds": round(elapsed, 2),
                "peak_rss_mb": round(rss_peak / 1024),
                "rss_growth_mb": round((rss_peak - rss_before) / 1024),
                "actions": counts,
                "unowned_after": unowned,
            }
        ),
        flush=True,
    )
    del odoo


def main():
    args = parse_args()
    if args.size:
        run_one(args)
        return
    ensure_database(args)
    results = []
    for size in args.open:
        command = [sys.executable, __file__, "-c", args.config, "-d", args.database]
        command += ["--size", str(size), "--overdue", str(args.overdue)]
        output = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
        if output.returncode or not lines:
            sys.stderr.write(output.stdout[-3000:] + output.stderr[-5000:])
            sys.exit(f"the run with {size:,} open leads failed")
        result = json.loads(lines[-1][len("RESULT ") :])
        results.append(result)
        print(
            f"{result['open']:>9,} open, {result['overdue']:,} overdue: "
            f"{result['seconds']:>7.2f} s, "
            f"peak RSS {result['peak_rss_mb']} MB (+{result['rss_growth_mb']} MB during the run), "
            f"actions {result['actions']}, leads left unowned: {result['unowned_after']}",
            flush=True,
        )
    if len(results) >= 2:
        big, small = max(results, key=lambda r: r["open"]), min(results, key=lambda r: r["open"])
        print(
            f"time ratio {big['open']:,} / {small['open']:,} open leads "
            f"(same {big['overdue']:,} overdue): {big['seconds'] / small['seconds']:.2f}"
        )


if __name__ == "__main__":
    main()
