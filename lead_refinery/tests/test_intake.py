import base64
import json
import uuid
from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2.errors
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import RefineryCase

NOW = datetime(2026, 5, 4, 15, 0)


def payload(**values):
    values.setdefault("activity_type", "seminar_attended")
    values.setdefault("occurred_at", NOW - timedelta(days=1))
    values.setdefault("company_name", "Quetzal Robotics")
    return values


@tagged("post_install", "-at_install")
class TestIntake(RefineryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Activity = cls.env["crm.refinery.activity"]
        cls.Reject = cls.env["crm.refinery.intake.reject"]
        Category = cls.env["product.category"]
        cls.drives = Category.create({"name": "Servo drives"})
        cls.sensors = Category.create({"name": "Sensors"})
        cls.env.company.refinery_lead_threshold = 100
        cls.quetzal = cls.env["res.partner"].create(
            {"name": "Quetzal Robotics", "is_company": True, "website": "quetzal-robotics.com"}
        )

    def _ingest(self, *payloads, channel="import"):
        with freeze_time(NOW):
            return self.Activity._refinery_ingest(list(payloads), channel, "expo.csv")

    def _lead_of(self, account, category):
        return self.Lead.search(
            [("refinery_account_id", "=", account.id), ("refinery_category_id", "=", category.id)]
        )

    def test_default_activity_types(self):
        codes = set(self.env["crm.refinery.activity.type"].search([]).mapped("code"))
        self.assertLessEqual(
            {
                "seminar_attended",
                "literature_requested",
                "visit_requested",
                "evaluation_requested",
                "web_download",
                "badge_scan",
                "inbound_call",
            },
            codes,
        )

    def test_several_contacts_add_up_to_one_lead_with_its_evidence(self):
        self.env.company.refinery_lead_threshold = 90
        first = self._ingest(
            payload(
                contact_name="Ann Lee", email="ann@quetzal-robotics.com", category="Servo drives"
            ),
            payload(
                activity_type="literature_requested",
                contact_name="Bo Chan",
                email="bo@quetzal-robotics.com",
                category="Servo drives",
            ),
        )
        self.assertEqual([r["status"] for r in first], ["created", "created"])
        self.assertFalse(self._lead_of(self.quetzal, self.drives), "50 < 100: accumulate")
        interest = self.quetzal.refinery_interest_ids
        self.assertEqual(interest.category_id, self.drives)
        self.assertAlmostEqual(interest.score, 30 * 0.5 ** (1 / 45) + 20 * 0.5 ** (1 / 30), 3)
        self.assertEqual(interest.contact_count, 2)
        self.assertIn("below threshold", interest.breakdown)
        # Another category does not count towards servo drives.
        self._ingest(
            payload(
                activity_type="inbound_call",
                email="cy@quetzal-robotics.com",
                contact_name="Cy Ode",
                category="Sensors",
            )
        )
        self.assertFalse(self._lead_of(self.quetzal, self.drives))
        result = self._ingest(
            payload(
                activity_type="inbound_call",
                contact_name="Cy Ode",
                email="cy@quetzal-robotics.com",
                category="Servo drives",
            )
        )[0]
        lead = self._lead_of(self.quetzal, self.drives)
        self.assertEqual(len(lead), 1)
        self.assertEqual(result["lead_id"], lead.id)
        self.assertIn("threshold reached, lead created", result["decision"])
        self.assertEqual(len(lead.refinery_activity_ids), 3)
        self.assertEqual(
            set(lead.refinery_activity_contact_ids.mapped("name")), {"Ann Lee", "Bo Chan", "Cy Ode"}
        )
        self.assertGreaterEqual(lead.refinery_interest_score, 90)
        for text in ("Ann Lee", "Bo Chan", "Cy Ode", "Inbound call", "threshold reached"):
            self.assertIn(text, lead.refinery_interest_evidence)
        # More activity updates the open lead: never a second one.
        self._ingest(
            payload(contact_name="Dee", email="dee@quetzal-robotics.com", category="Servo drives")
        )
        self.assertEqual(self._lead_of(self.quetzal, self.drives), lead)
        self.assertEqual(len(lead.refinery_activity_ids), 4)
        self.assertIn(
            "open lead updated",
            self.quetzal.refinery_interest_ids.filtered(
                lambda row: row.category_id == self.drives
            ).breakdown,
        )

    def test_hot_activity_makes_a_lead_at_once(self):
        result = self._ingest(
            payload(activity_type="evaluation_requested", category="Sensors", contact_name="Eve")
        )[0]
        lead = self.Lead.browse(result["lead_id"])
        self.assertEqual(lead.refinery_category_id, self.sensors)
        self.assertIn("hot activity", result["decision"])

    def test_window_and_decay(self):
        old = payload(
            contact_name="Old",
            category="Servo drives",
            activity_type="evaluation_requested",
            occurred_at=NOW - timedelta(days=31),
        )
        result = self._ingest(old)[0]
        self.assertEqual(result["status"], "created")
        self.assertFalse(result["lead_id"], "outside its 30-day window it counts nothing")
        self._ingest(payload(contact_name="New", category="Servo drives"))
        row = self.quetzal.refinery_interest_ids
        self.assertAlmostEqual(row.score, 30 * 0.5 ** (1 / 45), 3)
        with freeze_time(NOW + timedelta(days=45)):
            self.Activity._cron_refinery_decay()
        self.assertAlmostEqual(row.score, 30 * 0.5 ** (46 / 45), 3)

    def test_threshold_per_category(self):
        self.env["crm.refinery.lead.threshold"].create(
            {"category_id": self.sensors.id, "threshold": 25}
        )
        result = self._ingest(payload(contact_name="Fay", category="Sensors"))[0]
        self.assertTrue(result["lead_id"])
        result = self._ingest(payload(contact_name="Fay", category="Servo drives"))[0]
        self.assertFalse(result["lead_id"])

    def test_reimport_is_idempotent(self):
        rows = [payload(contact_name="Gus", email="gus@quetzal-robotics.com", zip="02134")]
        first = self._ingest(*rows)
        second = self._ingest(*rows)
        self.assertEqual(second[0]["status"], "duplicate")
        self.assertEqual(second[0]["activity_id"], first[0]["activity_id"])
        self.assertEqual(self.Activity.search_count([("contact_id.name", "=", "Gus")]), 1)
        given = payload(contact_name="Hal", idempotency_key="form-42")
        self.assertEqual(self._ingest(given)[0]["status"], "created")
        changed = payload(contact_name="Hal (typo fixed)", idempotency_key="form-42")
        self.assertEqual(self._ingest(changed)[0]["status"], "duplicate")

    def test_one_batch_makes_one_lead_shares_new_contacts_and_spots_repeats(self):
        self.env.company.refinery_lead_threshold = 90
        rows = [
            payload(contact_name="Nia", email="nia@nubo.example", company_name="Nubo Optics"),
            payload(
                activity_type="literature_requested",
                contact_name="Nia",
                email="NIA@nubo.example",
                company_name="nubo optics inc.",
            ),
            payload(
                activity_type="inbound_call",
                contact_name="Oz",
                email="oz@nubo.example",
                company_name="Nubo Optics",
            ),
            payload(contact_name="Pat", email="pat@nubo.example", company_name="Nubo Optics"),
        ]
        repeat = dict(rows[0])
        results = self._ingest(*rows, repeat)
        self.assertEqual(
            [r["status"] for r in results], ["created"] * 4 + ["duplicate"], "repeat spotted"
        )
        self.assertEqual(results[4]["activity_id"], results[0]["activity_id"])
        activities = self.Activity.browse([r["activity_id"] for r in results[:4]])
        self.assertEqual(len(activities.account_id), 1, "one new company for every variant")
        self.assertEqual(activities.account_id.name, "Nubo Optics")
        self.assertEqual(
            sorted(activities.contact_id.mapped("name")), ["Nia", "Oz", "Pat"], "Nia once"
        )
        self.assertEqual(len(activities.lead_id), 1, "the batch crosses the threshold once")
        self.assertEqual({r["lead_id"] for r in results}, {activities.lead_id.id})
        self.assertIn("threshold reached, lead created", results[0]["decision"])
        self.assertEqual(activities.lead_id.refinery_activity_count, 4)
        self.assertFalse(activities.account_id.message_ids, "created quietly, as Odoo imports")

    def test_batch_created_contacts_equal_odoo_created_ones(self):
        Partner = self.env["res.partner"]
        industry = self.env["res.partner.industry"].create({"name": "Robotics"})
        with_address = Partner.create(
            {
                "name": "Ubu Motion",
                "is_company": True,
                "street": "1 Main St",
                "city": "Boston",
                "zip": "02134",
                "country_id": self.env.ref("base.us").id,
                "state_id": self.env.ref("base.state_us_22").id,
                "vat": "US123",
                "industry_id": industry.id,
            }
        )
        bare = Partner.create({"name": "Vex Labs", "is_company": True, "vat": "US456"})
        # A company-dependent commercial field set in another company is synced there too.
        other = self.env["res.company"].create({"name": "Second Co"})
        Pricelist = self.env["product.pricelist"]
        with_address.with_company(other).specific_property_product_pricelist = Pricelist.create(
            {"name": "Second list", "company_id": other.id}
        )
        with_address.property_product_pricelist = Pricelist.create({"name": "Main list"})
        compared = [*Partner._address_fields(), *Partner._commercial_fields(), "lang"]
        compared += ["commercial_partner_id", "parent_id", "type"]
        dependent = Partner._company_dependent_commercial_fields()
        self.assertTrue(dependent, "product makes the pricelist company-dependent")
        for company in (with_address, bare):
            values = {"name": "Wim", "email": "wim@x.example", "parent_id": company.id}
            values["type"] = "contact"
            odoo_made = Partner.create(dict(values))
            batch_made = Partner._refinery_create_contacts([dict(values)])
            self.assertEqual(
                batch_made._update_fields_values(compared),
                odoo_made._update_fields_values(compared),
            )
            self.assertEqual(
                batch_made.with_company(other)._update_fields_values(dependent),
                odoo_made.with_company(other)._update_fields_values(dependent),
            )
        self.assertEqual(
            with_address.child_ids[-1:]
            .with_company(other)
            .specific_property_product_pricelist.name,
            "Second list",
        )
        self.assertEqual(batch_made.vat, "US456")
        self.assertEqual(odoo_made.city, False)
        self.assertEqual(
            with_address.child_ids[-1:].state_id, self.env.ref("base.state_us_22"), "synced"
        )

    def test_an_error_in_a_batch_costs_only_its_own_row(self):
        Activity = type(self.Activity)
        resolve = Activity._refinery_resolve_account

        def failing(model, payload, lookups):
            if payload.get("company_name") == "Broken Co":
                raise ValidationError("The company record is locked.")
            return resolve(model, payload, lookups)

        rows = [
            payload(contact_name="Quin", category="Sensors"),
            payload(contact_name="Rae", company_name="Broken Co"),
            payload(contact_name="Sol", category="Servo drives"),
        ]
        with patch.object(Activity, "_refinery_resolve_account", failing):
            results = self._ingest(*rows)
        self.assertEqual([r["status"] for r in results], ["created", "rejected", "created"])
        reject = self.Reject.browse(results[1]["reject_id"])
        self.assertIn("locked", reject.errors_text)
        self.assertEqual(reject.payload["contact_name"], "Rae")
        self.assertEqual(
            self.Activity.browse([results[0]["activity_id"], results[2]["activity_id"]]).mapped(
                "contact_id.name"
            ),
            ["Quin", "Sol"],
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Broken Co")]))

    def test_bad_input_becomes_a_reviewable_reject(self):
        cases = {
            "activity_type": payload(activity_type="yodel"),
            "category": payload(category="Teleporters"),
            "occurred_at": payload(occurred_at=NOW + timedelta(days=3)),
            "contact": payload(company_name=None),
        }
        cases["occurred_at_past"] = payload(occurred_at=datetime(1900, 1, 1))
        for field, row in cases.items():
            with self.subTest(field=field):
                result = self._ingest(row)[0]
                self.assertEqual(result["status"], "rejected")
                reject = self.Reject.browse(result["reject_id"])
                self.assertIn(field.removesuffix("_past"), reject.errors)
                self.assertEqual(reject.state, "new")
                self.assertEqual(reject.source_label, "expo.csv")
        reject = self.Reject.browse(
            self._ingest(payload(activity_type="yodel", contact_name="Ida"))[0]["reject_id"]
        )
        self.assertIn("Unknown activity type “yodel”", reject.errors_text)
        fixed = json.loads(reject.payload_text)
        fixed["activity_type"] = "badge_scan"
        reject.payload_text = json.dumps(fixed)
        with freeze_time(NOW):
            reject.action_process_again()
        self.assertEqual(reject.state, "processed")
        self.assertEqual(reject.activity_id.type_id.code, "badge_scan")

    def test_missing_company_resolves_through_the_email_domain_or_the_contact(self):
        result = self._ingest(
            payload(company_name=None, contact_name="Jo", email="jo@quetzal-robotics.com")
        )[0]
        self.assertEqual(self.Activity.browse(result["activity_id"]).account_id, self.quetzal)
        alone = self._ingest(
            payload(company_name=None, contact_name="Kim Solo", email="kim@gmail.com")
        )[0]
        activity = self.Activity.browse(alone["activity_id"])
        self.assertEqual(activity.account_id, activity.contact_id, "the contact is its own account")

    def test_a_person_without_company_gets_one_lead_not_one_per_signal(self):
        person = payload(
            company_name=None,
            contact_name="Tam Solo",
            email="tam.solo@gmail.com",
            activity_type="evaluation_requested",
        )
        first = self._ingest(person)[0]
        later = dict(person, occurred_at=NOW - timedelta(hours=2))
        second = self._ingest(later)[0]
        self.assertTrue(first["lead_id"])
        self.assertEqual(second["lead_id"], first["lead_id"], "the open lead is updated")
        self.assertIn("open lead updated", second["decision"])
        lead = self.Lead.browse(first["lead_id"])
        self.assertEqual(lead.refinery_activity_count, 2)
        self.assertFalse(lead.refinery_account_id, "a person is not an account")

    def test_variant_company_names_reach_the_account(self):
        mmm = self.env["res.partner"].create(
            {"name": "Minnesota Mining and Manufacturing", "is_company": True}
        )
        self.env["res.partner.alias"].create({"name": "3M", "partner_id": mmm.id})
        result = self._ingest(payload(company_name="3M", contact_name="Lou"))[0]
        self.assertEqual(self.Activity.browse(result["activity_id"]).account_id, mmm)

    def test_new_activity_reopens_an_incubating_lead(self):
        lead = self.Lead.browse(
            self._ingest(
                payload(activity_type="visit_requested", contact_name="Max", category="Sensors")
            )[0]["lead_id"]
        )
        lead.refinery_stage_id = self.stages["incubating"]
        self._ingest(payload(contact_name="Max", category="Sensors"))
        self.assertEqual(lead.refinery_stage_code, "lead")

    def test_odoo_inbound_leads_become_activities_when_configured(self):
        message = {
            "subject": "Quote for servo drives",
            "from": "Pat <pat@quetzal-robotics.com>",
            "email_from": "Pat <pat@quetzal-robotics.com>",
            "to": "sales@example.com",
            "body": "Please call me",
        }
        off = self.Lead.message_new(dict(message))
        self.assertFalse(off.refinery_activity_ids, "off by default")
        self.env.company.refinery_inbound_activity_type_id = self.env.ref(
            "lead_refinery.activity_type_evaluation_requested"
        )
        lead = self.Lead.message_new(dict(message, subject="Evaluation unit"))
        activity = lead.refinery_activity_ids
        self.assertEqual(activity.channel, "inbound")
        self.assertEqual(activity.account_id, self.quetzal)
        self.assertEqual(lead.refinery_account_id, self.quetzal)
        self.assertEqual(
            self.Lead.search([("refinery_account_id", "=", self.quetzal.id)]),
            off | lead,
            "the hot activity feeds the inbound lead itself, no other lead",
        )
        self.assertIn("hot activity", lead.refinery_interest_evidence)
        again = lead._refinery_inbound_activity()
        self.assertEqual(again[0]["status"], "duplicate")

    def test_manual_logging_on_a_contact(self):
        contact = self.env["res.partner"].create({"name": "Ned", "parent_id": self.quetzal.id})
        wizard = (
            self.env["crm.refinery.activity.log"]
            .with_user(self.rep)
            .with_context(active_model="res.partner", active_id=contact.id)
            .create(
                {
                    "type_id": self.env.ref("lead_refinery.activity_type_visit_requested").id,
                    "category_id": self.drives.id,
                }
            )
        )
        action = wizard.action_log()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(lead.refinery_account_id, self.quetzal)
        self.assertEqual(lead.refinery_activity_ids.contact_id, contact)
        self.assertEqual(lead.refinery_activity_ids.channel, "manual")


@tagged("post_install", "-at_install")
class TestIntakeConcurrency(TransactionCase):
    """Two transactions adding activities for one account create one lead."""

    def setUp(self):
        super().setUp()
        self.tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.account_id = (
                env["res.partner"].create({"name": f"Race {self.tag}", "is_company": True}).id
            )
        self.addCleanup(self._remove)

    def _remove(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            activities = env["crm.refinery.activity"].search([("account_id", "=", self.account_id)])
            leads = activities.lead_id
            contacts = activities.contact_id
            activities.unlink()
            leads.unlink()
            env["crm.refinery.interest"].search([("account_id", "=", self.account_id)]).unlink()
            contacts.unlink()
            env["res.partner"].browse(self.account_id).unlink()

    def _row(self, name):
        return {
            "activity_type": "evaluation_requested",
            "occurred_at": datetime.now() - timedelta(hours=1),
            "account_id": self.account_id,
            "contact_name": name,
            "idempotency_key": f"race-{self.tag}-{name}",
        }

    def test_second_transaction_retries_and_updates_the_first_ones_lead(self):
        with self.registry.cursor() as second:
            second_env = api.Environment(second, SUPERUSER_ID, {})
            # The second transaction's snapshot is taken before the first commits.
            second_env["res.partner"].browse(self.account_id).read(["name"])
            with self.registry.cursor() as first:
                api.Environment(first, SUPERUSER_ID, {})["crm.refinery.activity"]._refinery_ingest(
                    [self._row("first")], "api"
                )
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                second_env["crm.refinery.activity"]._refinery_ingest([self._row("second")], "api")
            second.rollback()
        # What Odoo does on a serialisation failure: run the request again.
        with self.registry.cursor() as retry:
            api.Environment(retry, SUPERUSER_ID, {})["crm.refinery.activity"]._refinery_ingest(
                [self._row("second")], "api"
            )
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            activities = env["crm.refinery.activity"].search([("account_id", "=", self.account_id)])
            self.assertEqual(len(activities), 2)
            self.assertEqual(len(activities.lead_id), 1, "one lead for the account")


@tagged("post_install", "-at_install")
class TestIntakeAccess(RefineryCase):
    def test_reps_read_types_managers_edit_them_and_views_load(self):
        kind = self.env.ref("lead_refinery.activity_type_seminar_attended")
        self.assertTrue(kind.with_user(self.rep).read(["score"]))
        with self.assertRaises(AccessError):
            kind.with_user(self.rep).score = 99
        kind.with_user(self.manager).score = 35
        with self.assertRaises(AccessError):
            self.env["crm.refinery.intake.reject"].with_user(self.rep).search([])
        for model in (
            "crm.refinery.activity",
            "crm.refinery.activity.type",
            "crm.refinery.interest",
            "crm.refinery.intake.reject",
            "crm.refinery.lead.threshold",
        ):
            self.env[model].with_user(self.manager).get_views([(False, "list"), (False, "form")])
        arch = self.env["res.partner"].with_user(self.rep).get_views([(False, "form")])
        self.assertIn("refinery_interest_ids", arch["views"]["form"]["arch"])


@tagged("post_install", "-at_install")
class TestActivityImport(RefineryCase):
    CSV = (
        "Badge ID;E-Mail;Vorname;Nachname;Firma;PLZ;Land;Telefon\n"
        "B1;ann@quetzal-robotics.com;Ann;Lee;Quetzal Robotics;02134;USA;617-555-0142\n"
        "B2;bo(at)quetzal;Bo;Chän;Quetzal Robotics;2134;USA;12\n"
        "B1;ann@quetzal-robotics.com;Ann;Lee;Quetzal Robotics;02134;USA;617-555-0142\n"
        "B3;;;;;;;\n"
        "B4;cy@bolt.example;Cy;Ode;Bolt Controls;10001;USA;\n"
    )

    def _wizard(self, data, **values):
        return (
            self.env["crm.refinery.activity.import"]
            .with_user(self.rep)
            .create(
                {
                    "file": base64.b64encode(data),
                    "filename": "expo-2026.csv",
                    "default_type_id": self.env.ref("lead_refinery.activity_type_badge_scan").id,
                    "default_date": NOW - timedelta(days=2),
                    **values,
                }
            )
        )

    def _run(self, wizard, method):
        with freeze_time(NOW):
            getattr(wizard, method)()
        return {line.row: line for line in wizard.line_ids}

    def test_import_maps_reports_and_never_duplicates(self):
        data = self.CSV.encode("latin-1")  # a spreadsheet's Windows export
        wizard = self._wizard(data)
        wizard.action_load()
        self.assertEqual(wizard.encoding, "cp1252")
        targets = {column.header: column.target for column in wizard.column_ids}
        self.assertEqual(targets["E-Mail"], "email")
        self.assertEqual(targets["Firma"], "company_name")
        self.assertEqual(targets["Badge ID"], "external_id")
        dry = self._run(wizard, "action_dry_run")
        self.assertFalse(
            self.env["crm.refinery.activity"].search([("source_label", "=", "expo-2026.csv")])
        )
        self.assertEqual(dry[2].status, "valid")
        lines = self._run(wizard, "action_import")
        self.assertEqual(lines[2].status, "created")
        self.assertEqual(lines[3].status, "created")
        self.assertTrue(lines[3].warning)
        self.assertIn("Invalid email", lines[3].message)
        self.assertIn("ZIP", lines[3].message)
        self.assertEqual(lines[4].status, "duplicate", "same badge twice in one file")
        self.assertEqual(lines[5].status, "rejected")
        self.assertIn("Nothing identifies", lines[5].sudo().reject_id.errors_text)
        self.assertEqual(lines[6].status, "created")
        bo = lines[3].activity_id.contact_id
        self.assertEqual(bo.name, "Bo Chän", "Latin-1 read correctly")
        self.assertEqual(wizard.created_count, 3)
        self.assertEqual(wizard.rejected_count, 1)
        report = wizard.action_download_report()
        attachment = self.env["ir.attachment"].browse(
            int(report["url"].split("/")[3].split("?")[0])
        )
        text = attachment.raw.decode("utf-8-sig")
        self.assertIn("Nothing identifies", text)
        self.assertNotIn("\n2,created", text)
        # The same file again (even renamed, as UTF-8 with a BOM): nothing new.
        again = self._wizard(b"\xef\xbb\xbf" + self.CSV.encode("utf-8"), filename="copy.csv")
        lines = self._run(again, "action_import")
        self.assertEqual(
            [lines[row].status for row in (2, 3, 4, 6)],
            ["duplicate", "duplicate", "duplicate", "duplicate"],
        )
        self.assertEqual(again.created_count, 0)

    def test_large_file_streams(self):
        header = "email,company,date\n"
        row = "p{0}@big{1}.example,Big {1} Inc,2026-05-01\n"
        data = (header + "".join(row.format(i, i % 50) for i in range(400))).encode()
        wizard = self._wizard(data)
        lines = self._run(wizard, "action_import")
        self.assertEqual(len(lines), 400)
        self.assertEqual(wizard.created_count, 400)
        self.assertEqual(
            self.env["crm.refinery.activity"].search_count(
                [("source_label", "=", "expo-2026.csv")]
            ),
            400,
        )
