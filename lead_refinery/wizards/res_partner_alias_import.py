import base64
import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import names
from ..models.res_partner_alias import ALIAS_KINDS

_KINDS = {code for code, _label in ALIAS_KINDS}
_HEADERS = {"variant", "account"}


class ResPartnerAliasImport(models.TransientModel):
    """Load company-name variants from a CSV file, with a per-row validation report.

    Columns: ``variant`` (as respondents write it), ``account`` (the account's
    exact name, its database id, or an external id such as ``base.main_partner``)
    and an optional ``kind``. A dry run validates without writing anything.
    """

    _name = "res.partner.alias.import"
    _description = "Import company name variants"

    file = fields.Binary(required=True)
    filename = fields.Char()
    dry_run = fields.Boolean(default=True, help="Validate and report only; create nothing.")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    report = fields.Text(readonly=True)
    report_file = fields.Binary(readonly=True, attachment=False)
    report_filename = fields.Char(default="variant_import_report.csv")
    created_count = fields.Integer(readonly=True)
    rejected_count = fields.Integer(readonly=True)

    def action_import(self):
        self.ensure_one()
        rows = self._read_rows()
        results = self._process(rows)
        created = sum(1 for result in results if result[1] in ("created", "valid"))
        self.write(
            {
                "state": "done",
                "created_count": created,
                "rejected_count": len(results) - created,
                "report": "\n".join(
                    f"line {line}: {status} {detail}".rstrip() for line, status, detail in results
                ),
                "report_file": base64.b64encode(self._report_csv(results)),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _read_rows(self):
        raw = base64.b64decode(self.file or b"")
        for encoding in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        headers = {(name or "").strip().lower() for name in reader.fieldnames or []}
        if not _HEADERS <= headers:
            raise UserError(
                _(
                    "The file needs the columns 'variant' and 'account' (and optionally "
                    "'kind'); found: %s",
                    ", ".join(sorted(headers)) or _("no header"),
                )
            )
        return [
            (
                index,
                {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()},
            )
            for index, row in enumerate(reader, start=2)
        ]

    def _process(self, rows):
        Alias = self.env["res.partner.alias"].with_context(active_test=False)
        seen = {}
        results = []
        for line, row in rows:
            variant, account_ref, kind = (
                row.get("variant"),
                row.get("account"),
                row.get("kind") or "abbreviation",
            )
            norm = names.normalize_company(variant or "")
            account = self._find_account(account_ref)
            problem = None
            if not variant:
                problem = _("empty variant")
            elif not norm:
                problem = _("'%s' is nothing but a legal suffix or punctuation", variant)
            elif kind not in _KINDS:
                problem = _(
                    "unknown kind '%(kind)s' (use one of %(kinds)s)",
                    kind=kind,
                    kinds=", ".join(sorted(_KINDS)),
                )
            elif not account:
                problem = _("no company account '%s'", account_ref)
            elif norm in seen:
                problem = _("same variant as line %s", seen[norm])
            elif norm == account.identity_name_norm:
                problem = _("the account's own name, not a variant")
            else:
                existing = Alias.search([("name_norm", "=", norm)], limit=1)
                if existing:
                    problem = _("already a variant of %s", existing.partner_id.display_name)
            if problem:
                results.append((line, "rejected", problem))
                continue
            seen[norm] = line
            if self.dry_run:
                results.append((line, "valid", f"{variant} → {account.display_name}"))
            else:
                Alias.create(
                    {"name": variant, "partner_id": account.id, "kind": kind, "source": "import"}
                )
                results.append((line, "created", f"{variant} → {account.display_name}"))
        return results

    def _find_account(self, reference):
        Partner = self.env["res.partner"]
        if not reference:
            return Partner
        if reference.isdigit():
            account = Partner.browse(int(reference)).exists()
        elif "." in reference and " " not in reference:
            account = self.env.ref(reference, raise_if_not_found=False) or Partner
            account = account if account._name == "res.partner" else Partner
        else:
            account = Partner.search(
                [("name", "=ilike", reference), ("is_company", "=", True)], limit=2
            )
            account = account if len(account) == 1 else Partner
        return account if account.is_company else Partner

    @staticmethod
    def _report_csv(results):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", "status", "detail"])
        writer.writerows(results)
        return buffer.getvalue().encode("utf-8")
