import base64
from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..lib import names
from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestIdentity(RefineryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        us = cls.env.ref("base.us")
        ny = cls.env["res.country.state"].search([("code", "=", "NY"), ("country_id", "=", us.id)])
        oh = cls.env["res.country.state"].search([("code", "=", "OH"), ("country_id", "=", us.id)])
        mn = cls.env["res.country.state"].search([("code", "=", "MN"), ("country_id", "=", us.id)])
        cls.pg = Partner.create(
            {
                "name": "The Procter and Gamble Company",
                "is_company": True,
                "website": "https://www.pg.com",
                "phone": "+1 513-983-1100",
                "city": "Cincinnati",
                "zip": "45202",
                "state_id": oh.id,
                "country_id": us.id,
            }
        )
        cls.mmm = Partner.create(
            {
                "name": "Minnesota Mining and Manufacturing",
                "is_company": True,
                "website": "3m.com",
                "city": "Saint Paul",
                "zip": "55144",
                "state_id": mn.id,
                "country_id": us.id,
            }
        )
        cls.ibm = Partner.create(
            {
                "name": "International Business Machines Corporation",
                "is_company": True,
                "website": "ibm.com",
                "city": "Armonk",
                "zip": "10504",
                "state_id": ny.id,
                "country_id": us.id,
            }
        )
        cls.alias_3m = cls.env["res.partner.alias"].create(
            {"name": "3M", "partner_id": cls.mmm.id, "kind": "acronym"}
        )
        cls.us, cls.ohio = us, oh

    def _identity_lead(self, **values):
        values.setdefault("country_id", self.us.id)
        return self._lead(**values)

    def test_auto_link_keeps_odoo_customer_empty_by_default(self):
        lead = self._identity_lead(partner_name="Procter & Gamble Co.", email_from="pat@pg.com")
        self.assertEqual(lead.refinery_account_id, self.pg)
        self.assertFalse(lead.partner_id, "Odoo's flows expect new leads without a customer")
        lead.refinery_match_state = "unmatched"
        lead.refinery_account_id = False
        lead.action_refinery_match()
        self.assertEqual(lead.partner_id.commercial_partner_id, self.pg, "on demand it sets it")

    def test_exact_name_and_domain_auto_links_without_losing_the_respondent(self):
        self.env.company.refinery_match_link_customer = True
        lead = self._identity_lead(
            partner_name="Procter & Gamble Co.",
            contact_name="Pat Buyer",
            email_from="pat.buyer@pg.com",
            phone="+1 513-555-0199",
        )
        self.assertEqual(lead.refinery_account_id, self.pg)
        self.assertEqual(lead.refinery_match_state, "linked")
        self.assertEqual(lead.partner_id.commercial_partner_id, self.pg)
        self.assertEqual(lead.email_from, "pat.buyer@pg.com", "the respondent's email is kept")
        self.assertEqual(lead.partner_id.name, "Pat Buyer")

    def test_alias_in_table_auto_links(self):
        lead = self._identity_lead(partner_name="3M", email_from="lee@gmail.com")
        self.assertEqual(lead.refinery_account_id, self.mmm)

    def test_weak_evidence_goes_to_review_and_new_companies_stay_new(self):
        typo = self._identity_lead(partner_name="Prockter and Gambel", email_from="x@gmail.com")
        self.assertEqual(typo.refinery_match_state, "review")
        self.assertFalse(typo.refinery_account_id)
        self.assertIn(self.pg, typo.refinery_match_ids.partner_id)

        new = self._identity_lead(
            partner_name="Zephyrine Bakery Supplies", email_from="z@zephyrine.io"
        )
        self.assertEqual(new.refinery_match_state, "new")
        self.assertFalse(new.refinery_match_ids)

    def test_one_slip_in_a_distinctive_word_links(self):
        lead = self._identity_lead(partner_name="Prockter and Gamble", email_from="x@gmail.com")
        self.assertEqual(lead.refinery_account_id, self.pg)
        best = lead._refinery_match_candidates()[0]
        self.assertEqual(best["partner_id"], self.pg.id)
        self.assertEqual(best["breakdown"]["slip"], 100.0)
        self.assertTrue(any("slip" in reason for reason in best["reasons"]))

    def test_conflicting_name_and_domain_is_sent_to_review(self):
        lead = self._identity_lead(partner_name="Procter and Gamble", email_from="someone@ibm.com")
        self.assertEqual(lead.refinery_match_state, "review")
        self.assertFalse(lead.refinery_account_id)

    def test_bad_input_never_links(self):
        for name in (
            "",
            "   ",
            "A",
            "PG",
            "Inc.",
            "N/A",
            "unknown",
            "🙂🙂",
            "株式会社トヨタ",
            "x" * 10000,
        ):
            lead = self._identity_lead(partner_name=name, email_from="not-an-email", phone="12")
            self.assertFalse(lead.refinery_account_id, repr(name[:20]))

    def test_review_accept_links_and_teaches_the_table(self):
        lead = self._identity_lead(partner_name="Prockter and Gambel", email_from="x@gmail.com")
        match = lead.refinery_match_ids.filtered(lambda match: match.partner_id == self.pg)
        match.with_user(self.manager).action_accept()
        self.assertEqual(lead.refinery_account_id, self.pg)
        alias = self.env["res.partner.alias"].search(
            [("partner_id", "=", self.pg.id), ("source", "=", "learned")]
        )
        self.assertEqual(alias.name, "Prockter and Gambel")
        again = self._identity_lead(partner_name="Prockter & Gambel", email_from="y@gmail.com")
        self.assertEqual(
            again.refinery_account_id, self.pg, "the learned variant now links directly"
        )

    def test_review_reject_is_remembered(self):
        lead = self._identity_lead(partner_name="Prockter and Gambel", email_from="x@gmail.com")
        lead.refinery_match_ids.with_user(self.manager).action_reject()
        lead.action_refinery_match()
        self.assertFalse(lead.refinery_match_ids.filtered(lambda match: match.state == "pending"))
        other = self._identity_lead(partner_name="Prockter and Gambel", email_from="q@gmail.com")
        self.assertNotIn(self.pg, other.refinery_match_ids.partner_id)

    def test_duplicates_of_the_same_account_are_offered_for_merge(self):
        first = self._identity_lead(partner_name="Procter & Gamble", email_from="a@pg.com")
        second = self._identity_lead(
            partner_name="P&G", email_from="b@pg.com", name="Second request"
        )
        self.assertEqual(second.refinery_account_id, self.pg)
        self.assertEqual(first.refinery_duplicate_ids, second)
        action = first.action_refinery_merge_duplicates()
        self.assertEqual(action["res_model"], "crm.merge.opportunity")
        self.assertEqual(set(action["context"]["active_ids"]), {first.id, second.id})
        wizard = self.env["crm.merge.opportunity"].with_context(**action["context"]).create({})
        self.assertEqual(set(wizard.opportunity_ids.ids), {first.id, second.id})

    def test_api_returns_ranked_candidates_with_breakdown(self):
        ranked = self.env["res.partner"].refinery_match_accounts(
            {"name": "IBM", "website": "www.ibm.com", "state": "NY"}
        )
        self.assertEqual(ranked[0]["partner_id"], self.ibm.id)
        self.assertEqual(ranked[0]["decision"], "auto")
        self.assertTrue(ranked[0]["breakdown"])
        self.assertTrue(
            all(isinstance(value, (int, float)) for value in ranked[0]["breakdown"].values())
        )

    def test_thresholds_from_settings_drive_decisions(self):
        self.env.company.write({"refinery_match_auto": 99.9, "refinery_match_review": 10})
        lead = self._identity_lead(partner_name="3M Company", email_from="k@gmail.com")
        self.assertEqual(lead.refinery_match_state, "review")
        with self.assertRaises(ValidationError):
            self.env.company.refinery_match_review = 100

    def test_only_managers_edit_variants_and_thresholds(self):
        with self.assertRaises(AccessError):
            self.env["res.partner.alias"].with_user(self.rep).create(
                {"name": "MMM", "partner_id": self.mmm.id}
            )
        with self.assertRaises(AccessError):
            self.alias_3m.with_user(self.rep).name = "Three M"
        with self.assertRaises(AccessError):
            self.env["crm.refinery.thresholds"].with_user(self.rep).create(
                {"refinery_match_auto": 50}
            )
        alias = (
            self.env["res.partner.alias"]
            .with_user(self.manager)
            .create({"name": "MMM", "partner_id": self.mmm.id})
        )
        self.assertEqual(alias.name_norm, "mmm")

    def test_variant_rules(self):
        with self.assertRaises(ValidationError):
            self.env["res.partner.alias"].create({"name": "Inc.", "partner_id": self.mmm.id})
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.cr.savepoint():
            self.env["res.partner.alias"].create({"name": "3m", "partner_id": self.pg.id})

    def test_csv_import_reports_each_row(self):
        content = (
            "variant;account;kind\n"
            "P&G;The Procter and Gamble Company;abbreviation\n"
            "Big Blue;International Business Machines Corporation;former_name\n"
            "3M;Minnesota Mining and Manufacturing;acronym\n"
            "Inc.;Minnesota Mining and Manufacturing;\n"
            "Foo;No Such Company;\n"
            "Big  Blue!;International Business Machines Corporation;\n"
            "Grand Blue;International Business Machines Corporation;nickname\n"
        ).encode("cp1252")
        Import = self.env["res.partner.alias.import"].with_user(self.manager)
        dry = Import.create({"file": base64.b64encode(content), "dry_run": True})
        dry.action_import()
        self.assertEqual((dry.created_count, dry.rejected_count), (2, 5))
        self.assertFalse(self.env["res.partner.alias"].search([("name", "=", "Big Blue")]))
        report = base64.b64decode(dry.report_file).decode()
        self.assertIn("already a variant", report)
        self.assertIn("no company account", report)
        self.assertIn("same variant as line 3", report)
        self.assertIn("unknown kind", report)
        real = Import.create({"file": base64.b64encode(content), "dry_run": False})
        real.action_import()
        self.assertEqual(
            self.env["res.partner.alias"].search([("name", "=", "Big Blue")]).source, "import"
        )

    def test_misspellings_are_found_through_rare_words_common_words_are_skipped(self):
        Partner = self.env["res.partner"]
        Partner.create(
            [{"name": f"Zeta{index} Torquemetrics", "is_company": True} for index in range(45)]
        )
        harbor = Partner.create({"name": "Harborvale Torquemetrics", "is_company": True})
        common = Partner._identity_common_words()
        self.addCleanup(common.discard, "torquemetrics")
        keys = names.identity_keys(name="Harbrvale Torquemetrics")
        found = Partner._identity_misspelt_ids(keys, limit=15)
        self.assertEqual(found[0], harbor.id, "the rare word finds its account first")
        self.assertLessEqual(len(found), 30)
        self.assertIn("torquemetrics", common, "45 accounts share it: remembered as common")
        self.assertIs(Partner._identity_common_words(), common, "one memo per database")
        # A rare word spelt like no name: a new company, not a whole-name search.
        keys = names.identity_keys(name="Qwyzzlebrook Torquemetrics")
        self.assertEqual(Partner._identity_misspelt_ids(keys, limit=15), [])
        # Only common words: the whole name is searched instead.
        keys = names.identity_keys(name="Torquemetrix")
        self.assertTrue(Partner._identity_misspelt_ids(keys, limit=15))
        ranked = Partner._identity_rank(names.identity_keys(name="Harbrvale Torquemetrics"))
        self.assertEqual(ranked[0]["partner_id"], harbor.id)
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM res_partner WHERE %s <%% identity_distinctive", ["harbrvale"]
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("res_partner_identity_distinctive_trgm_idx", plan)

    def test_words_as_written_first_then_short_first_words_by_prefix(self):
        Partner = self.env["res.partner"]
        Partner.create(
            [{"name": f"Zeta{index} Torquemetrics", "is_company": True} for index in range(45)]
        )
        harbor = Partner.create({"name": "Harborvale Torquemetrics", "is_company": True})
        qx = Partner.create({"name": "QX Torquemetrics", "is_company": True})
        common = Partner._identity_common_words()
        self.addCleanup(common.discard, "torquemetrics")
        self.addCleanup(common.discard, "torquemetriks")
        # "harborvale" as written: one lookup in the words index, no trigram search.
        queries = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(query))
            return execute(cr, query, params, log_exceptions)

        keys = names.identity_keys(name="Harborvale Torquemetrics")
        with patch.object(type(self.env.cr), "execute", spy):
            found = Partner._identity_misspelt_ids(keys, limit=15)
        self.assertEqual(found[0], harbor.id)
        lookups = [query for query in queries if "UNION ALL" in query]
        self.assertEqual(len(lookups), 2, "one lookup per word")
        self.assertTrue(all("@>" in query and "<%" not in query for query in lookups))
        self.assertIn("torquemetrics", common, "46 names hold it as written: common")
        # A short first word before common words only: names starting with it.
        keys = names.identity_keys(name="QX Torquemetriks")
        queries.clear()
        with patch.object(type(self.env.cr), "execute", spy):
            self.assertEqual(Partner._identity_misspelt_ids(keys, limit=15)[0], qx.id)
        self.assertFalse(
            [query for query in queries if "ORDER BY similarity" in query],
            "no whole-name trigram search",
        )
        self.assertEqual(Partner._identity_rank(keys)[0]["partner_id"], qx.id)
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM res_partner"
            " WHERE string_to_array(identity_distinctive, ' ') @> %s::text[]",
            [["harborvale"]],
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("res_partner_identity_distinctive_words_idx", plan)

    def test_candidate_query_uses_the_indexes(self):
        self.env.cr.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN %s",
            [
                (
                    "res_partner_identity_name_norm_trgm_idx",
                    "res_partner_identity_distinctive_trgm_idx",
                    "res_partner_alias_distinctive_trgm_idx",
                )
            ],
        )
        options = dict(self.env.cr.fetchall())
        self.assertEqual(len(options), 3)
        for name, values in options.items():
            self.assertIn("fastupdate=off", values or [], f"{name}: no pending list to scan")
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL pg_trgm.similarity_threshold = 0.35")
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM res_partner WHERE identity_distinctive %% %s",
            ["prockter gamble"],
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("res_partner_identity_distinctive_trgm_idx", plan)
        self.env.cr.execute(
            "EXPLAIN SELECT id FROM res_partner WHERE identity_domain = %s", ["pg.com"]
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("identity_domain", plan)
        self.assertIn("Index", plan)
        with self.assertQueryCount(__system__=12):
            self.env["res.partner"]._identity_candidate_ids(self.pg._identity_keys())
