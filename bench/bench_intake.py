"""Activity intake benchmark: a CSV of buyer activities through the import wizard.

Run with the project's virtualenv after scripts/test.sh or scripts/run.sh::

    ~/.cache/lead_refinery/venv/bin/python bench/bench_intake.py [--rows 10000] [--accounts 2000]

A fresh database (``LR_BENCH_DB``, default ``lr_bench``) gets 2,000 accounts
(companies with a website domain). A CSV of 10,000 activities of their
contacts (new and returning people, company names as written at events:
exact, lower case, with "Inc." or without) is imported with the real wizard:
decoding, mapping, normalisation, idempotency, account identity matching,
contact creation, aggregation, leads with their evidence, one commit. Printed:
rows/s, end-to-end time, peak memory, and the ratio per row against a plain
``crm.lead.create`` of as many leads in the same process (Odoo's own create,
lead_refinery's matching and routing switched off). Targets: at least 200
rows/s and at most 3x the plain-create cost per row.
"""

import argparse
import base64
import random
import resource
import time
from datetime import datetime, timedelta

from odoo_env import environment, fresh_database

TYPES = (
    "seminar_attended",
    "literature_requested",
    "web_download",
    "badge_scan",
    "badge_scan",
    "web_download",
    "inbound_call",
    "evaluation_requested",
)


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_csv(rnd, accounts, rows, now):
    lines = ["Badge ID,E-mail,First Name,Last Name,Company,Zip Code,Activity,Product,Event date"]
    for index in range(rows):
        name, domain, zip_code = rnd.choice(accounts)
        person = rnd.randrange(6)
        written = rnd.choice([name, name.lower(), f"{name} Inc.", name.upper()])
        when = now - timedelta(days=rnd.randrange(0, 30), minutes=rnd.randrange(600))
        lines.append(
            ",".join(
                [
                    f"E{index}",
                    f"buyer{person}@{domain}",
                    f"Buyer{person}",
                    name.split()[0],
                    f'"{written}"',
                    zip_code,
                    rnd.choice(TYPES),
                    rnd.choice(["Servo drives", "Sensors", "PLCs", "Motion", "Vision"]),
                    when.strftime("%Y-%m-%d %H:%M"),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    rnd = random.Random(2026)
    if not args.reuse:
        fresh_database()
    with environment() as env:
        env = env(context=dict(env.context, tracking_disable=False))
        began = time.perf_counter()
        for name in ("Servo drives", "Sensors", "PLCs", "Motion", "Vision"):
            env["product.category"].create({"name": name})
        words = ["Quetzal", "Bolt", "Arbor", "Cobalt", "Delta", "Ember", "Fjord", "Granite"]
        accounts = []
        values = []
        for index in range(args.accounts):
            name = f"{rnd.choice(words)} {rnd.choice(words)}works {index}"
            domain = f"acct{index}.example"
            zip_code = f"{rnd.randrange(1000, 99999):05d}"
            accounts.append((name, domain, zip_code))
            values.append(
                {
                    "name": name,
                    "is_company": True,
                    "website": f"https://www.{domain}",
                    "zip": zip_code,
                }
            )
        Partner = env["res.partner"].with_context(tracking_disable=True)
        for start in range(0, len(values), 1000):
            Partner.create(values[start : start + 1000])
        now = datetime.now().replace(microsecond=0)
        data = build_csv(rnd, accounts, args.rows, now)
        env.cr.commit()
        # Planner statistics as a database in use has them (autovacuum would
        # otherwise analyse the new accounts at some random moment of the run).
        env.cr.execute("ANALYZE")
        print(
            f"Set-up: {args.accounts:,} accounts, a CSV of {args.rows:,} rows "
            f"({len(data) / 1e6:.1f} MB) in {time.perf_counter() - began:.1f} s"
        )

        began = time.perf_counter()
        wizard = env["crm.refinery.activity.import"].create(
            {"file": base64.b64encode(data), "filename": "bench.csv"}
        )
        wizard.action_load()
        wizard.action_import()
        env.cr.commit()
        elapsed = time.perf_counter() - began
        print(
            f"Import: {args.rows:,} rows in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s "
            f"(target >= 200); created {wizard.created_count:,}, duplicates "
            f"{wizard.duplicate_count:,}, rejected {wizard.rejected_count:,}, leads created or "
            f"updated {wizard.lead_count:,}; peak RSS {peak_mb():.0f} MB"
        )

        Lead = env["crm.lead"].with_context(refinery_skip_match=True, refinery_skip_route=True)
        began = time.perf_counter()
        for start in range(0, args.rows, 500):
            Lead.create(
                [
                    {"name": f"Plain lead {i}", "type": "lead", "email_from": f"p{i}@plain.example"}
                    for i in range(start, min(args.rows, start + 500))
                ]
            )
        env.cr.commit()
        plain = time.perf_counter() - began
        print(
            f"Plain crm.lead.create of {args.rows:,} leads: {plain:.1f} s "
            f"({plain / args.rows * 1000:.2f} ms per lead); intake costs "
            f"{elapsed / plain:.1f}x per row (target <= 3x)"
        )


if __name__ == "__main__":
    main()
