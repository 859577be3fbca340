from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestGrade(RefineryCase):
    def setUp(self):
        super().setUp()
        self.env.company.write(
            {
                "refinery_worth_high": 50000,
                "refinery_worth_medium": 10000,
                "refinery_probability_high": 60,
                "refinery_probability_medium": 25,
            }
        )

    def test_grade_follows_worth_and_probability(self):
        cases = [
            (80000, 70, "A"),
            (80000, 30, "A"),
            (20000, 70, "A"),
            (80000, 5, "B"),
            (20000, 30, "B"),
            (1000, 90, "B"),
            (20000, 5, "C"),
            (1000, 30, "C"),
            (1000, 5, "D"),
        ]
        for worth, probability, expected in cases:
            lead = self._lead(expected_revenue=worth, probability=probability)
            self.assertEqual(lead.refinery_grade, expected, f"{worth} at {probability}%")

    def test_grade_recomputes_when_values_or_thresholds_change(self):
        lead = self._lead(expected_revenue=20000, probability=30)
        self.assertEqual(lead.refinery_grade, "B")
        lead.expected_revenue = 90000
        self.assertEqual(lead.refinery_grade, "A")
        settings = self.env["res.config.settings"].create({"refinery_worth_high": 100000})
        settings.execute()
        self.assertEqual(lead.refinery_grade, "B")
        self.assertIn(lead, self.Lead.search([("refinery_grade", "=", "B")]))

    def test_overlapping_or_unordered_thresholds_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "must be above"):
            self.env.company.refinery_worth_medium = 60000
        with self.assertRaisesRegex(ValidationError, "must be above"):
            self.env.company.refinery_probability_medium = 80
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.env.company.refinery_probability_high = 120
