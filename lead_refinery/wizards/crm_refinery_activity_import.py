"""CSV / XLSX import of buyer activities: trade-show badge scans, event lists, downloads.

Load reads the headers and guesses the column mapping; Dry run checks every
row without writing; Import stores each row as an activity or an intake
reject, with a result per row and a downloadable report of the problems.
Re-importing a file finds its rows' idempotency keys and creates nothing twice.
"""

import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import intake

TARGETS = [(name, name.replace("_", " ").capitalize()) for name in intake.FIELDS] + [
    ("first_name", "First name"),
    ("last_name", "Last name"),
]
CHUNK = 200


class CrmRefineryActivityImport(models.TransientModel):
    _name = "crm.refinery.activity.import"
    _description = "Import buyer activities"

    file = fields.Binary(required=True)
    filename = fields.Char()
    source_label = fields.Char(
        "Event or source", help="Kept on each activity (default: file name)."
    )
    default_type_id = fields.Many2one(
        "crm.refinery.activity.type", string="Activity type", help="For rows without one."
    )
    default_category_id = fields.Many2one(
        "product.category", string="Product category", help="For rows without one."
    )
    default_date = fields.Datetime("Date", help="For rows without one (the event's date).")
    encoding = fields.Char(readonly=True)
    column_ids = fields.One2many("crm.refinery.activity.import.column", "wizard_id")
    line_ids = fields.One2many("crm.refinery.activity.import.line", "wizard_id", readonly=True)
    state = fields.Selection(
        [("upload", "Upload"), ("mapped", "Mapping"), ("checked", "Checked"), ("done", "Imported")],
        default="upload",
        required=True,
    )
    created_count = fields.Integer(readonly=True)
    duplicate_count = fields.Integer(readonly=True)
    rejected_count = fields.Integer(readonly=True)
    warning_count = fields.Integer(readonly=True)
    lead_count = fields.Integer("Leads created or updated", readonly=True)

    def _data(self):
        return base64.b64decode(self.file or b"")

    def action_load(self):
        self.ensure_one()
        data = self._data()
        headers, _rows = intake.iter_rows(data)
        if not any(headers):
            raise UserError(_("The file has no header row."))
        mapping = intake.guess_mapping(headers)
        self.column_ids.unlink()
        self.write(
            {
                "encoding": "xlsx" if intake.is_xlsx(data) else intake.decode(data[:4096])[1],
                "source_label": self.source_label or self.filename,
                "column_ids": [
                    fields.Command.create(
                        {"sequence": index, "header": header, "target": mapping.get(header)}
                    )
                    for index, header in enumerate(headers)
                ],
                "state": "mapped",
            }
        )
        return self._reopen()

    def _defaults(self):
        return {
            "activity_type": self.default_type_id.code,
            "category": self.default_category_id.complete_name,
            "occurred_at": self.default_date,
        }

    def _rows(self, now):
        """``(row number, raw row, RowResult, key)`` for every data row of the file."""
        mapping = {column.header: column.target for column in self.column_ids if column.target}
        _headers, rows = intake.iter_rows(self._data())
        defaults = self._defaults()
        for number, raw in enumerate(rows, start=2):
            result = intake.normalise_row(raw, mapping, now_utc=now, defaults=defaults)
            key = intake.payload_key(result.payload) if result.payload else None
            yield number, raw, result, key

    def action_dry_run(self):
        return self._run(dry=True)

    def action_import(self):
        return self._run(dry=False)

    def _run(self, dry):
        self.ensure_one()
        if self.state == "upload":
            self.action_load()
        Activity = self.env["crm.refinery.activity"]
        now = fields.Datetime.now()
        lines, seen, pending = [], {}, []
        counts = dict.fromkeys(("created", "duplicate", "rejected", "warning"), 0)
        leads = set()
        lookups = Activity._refinery_lookups()

        def flush():
            if not pending:
                return
            results = Activity._refinery_ingest(
                [payload for _n, payload, _w in pending], "import", self.source_label, lookups
            )
            for (number, _payload, warnings), result in zip(pending, results, strict=True):
                status = result["status"]
                counts[status] += 1
                if result.get("lead_id"):
                    leads.add(result["lead_id"])
                lines.append(
                    _line(number, status, result.get("errors") or warnings, result, bool(warnings))
                )
            pending.clear()

        for number, raw, result, key in self._rows(now):
            if result.warnings:
                counts["warning"] += 1
            if result.errors:
                counts["rejected"] += 1
                reject = self.env["crm.refinery.intake.reject"]
                if not dry:
                    reject = reject._refinery_reject(
                        {"raw": raw, "row": number}, "import", self.source_label, result.errors
                    )
                lines.append(_line(number, "rejected", result.errors, {"reject_id": reject.id}))
                continue
            payload = dict(result.payload, idempotency_key=key)
            if key in seen:
                counts["duplicate"] += 1
                message = {"row": _("same as row %s of this file", seen[key])}
                lines.append(_line(number, "duplicate", message, {}))
                continue
            seen[key] = number
            if dry:
                lines.append(self._dry_line(number, payload, result.warnings, lookups))
                status = lines[-1]["status"]
                counts["created" if status == "valid" else status] += 1
                continue
            pending.append((number, payload, result.warnings))
            if len(pending) >= CHUNK:
                flush()
        flush()
        self.line_ids.unlink()
        self.write(
            {
                "line_ids": [fields.Command.create(line) for line in lines],
                "created_count": counts["created"],
                "duplicate_count": counts["duplicate"],
                "rejected_count": counts["rejected"],
                "warning_count": counts["warning"],
                "lead_count": len(leads),
                "state": "checked" if dry else "done",
            }
        )
        return self._reopen()

    def _dry_line(self, number, payload, warnings, lookups=None):
        Activity = self.env["crm.refinery.activity"]
        if Activity.sudo().search_count([("idempotency_key", "=", payload["idempotency_key"])]):
            return _line(number, "duplicate", {"row": _("already imported")}, {})
        _kind, _category, errors = Activity._refinery_check(payload, lookups)
        if errors:
            return _line(number, "rejected", errors, {})
        return _line(number, "valid", warnings, {}, bool(warnings))

    def action_download_report(self):
        """The rows with an error or a warning, with the reason, as CSV."""
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Row"), _("Result"), _("Reason")])
        for line in self.line_ids.filtered(lambda line: line.status != "created" or line.warning):
            writer.writerow([line.row, line.status, line.message or ""])
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{(self.filename or 'import').rsplit('.', 1)[0]}-report.csv",
                "raw": buffer.getvalue().encode("utf-8-sig"),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


def _line(number, status, messages, result, warning=False):
    if isinstance(messages, dict):
        text = "; ".join(f"{field}: {message}" for field, message in messages.items())
    else:
        text = str(messages or "")
    return {
        "row": number,
        "status": status,
        "warning": warning,
        "message": text,
        "activity_id": result.get("activity_id") or False,
        "lead_id": result.get("lead_id") or False,
        "reject_id": result.get("reject_id") or False,
    }


class CrmRefineryActivityImportColumn(models.TransientModel):
    _name = "crm.refinery.activity.import.column"
    _description = "Import column mapping"
    _order = "sequence"

    wizard_id = fields.Many2one("crm.refinery.activity.import", required=True, ondelete="cascade")
    sequence = fields.Integer()
    header = fields.Char(readonly=True)
    target = fields.Selection(TARGETS, string="Field")


class CrmRefineryActivityImportLine(models.TransientModel):
    _name = "crm.refinery.activity.import.line"
    _description = "Import result per row"
    _order = "row"

    wizard_id = fields.Many2one("crm.refinery.activity.import", required=True, ondelete="cascade")
    row = fields.Integer()
    status = fields.Selection(
        [
            ("created", "Created"),
            ("valid", "Would be created"),
            ("duplicate", "Already there"),
            ("rejected", "Rejected"),
        ]
    )
    warning = fields.Boolean()
    message = fields.Text()
    activity_id = fields.Many2one("crm.refinery.activity")
    lead_id = fields.Many2one("crm.lead")
    reject_id = fields.Many2one(
        "crm.refinery.intake.reject", groups="lead_refinery.group_refinery_manager"
    )
