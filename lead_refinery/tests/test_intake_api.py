import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

URL = "/lead_refinery/api/v1/activities"


@tagged("post_install", "-at_install")
class TestIntakeApi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.robot = new_test_user(
            cls.env, login="lr_api_robot", name="Web forms", groups="sales_team.group_sale_salesman"
        )
        cls.key = cls.env["crm.refinery.api.key"].create(
            {"name": "Website forms", "user_id": cls.robot.id, "burst": 20}
        )
        cls.secret = cls.key._refinery_generate()
        cls.when = (datetime.now() - timedelta(hours=2)).replace(microsecond=0).isoformat() + "Z"

    def _post(self, body, secret=None, **headers):
        headers.setdefault("Authorization", f"Bearer {secret or self.secret}")
        headers["Content-Type"] = "application/json"
        data = body if isinstance(body, str) else json.dumps(body)
        response = self.url_open(URL, data=data, headers=headers)
        return response.status_code, response.json()

    def _activity(self, **values):
        return {
            "activity_type": "web_download",
            "occurred_at": self.when,
            "email": "pat@quetzal-robotics.example",
            "contact_name": "Pat Buyer",
            "company_name": "Quetzal Robotics",
            **values,
        }

    def test_authentication_failures(self):
        for secret in ("", "lr_not-a-key", "garbage"):
            status, body = self._post(self._activity(), Authorization=f"Bearer {secret}")
            self.assertEqual(status, 401)
            self.assertIn("API key", body["error"])
        self.key.active = False
        self.assertEqual(self._post(self._activity())[0], 401)

    def test_created_then_idempotent_retry(self):
        status, body = self._post(self._activity(), **{"Idempotency-Key": "form-123"})
        self.assertEqual(status, 201)
        self.assertEqual(body["status"], "created")
        activity = self.env["crm.refinery.activity"].browse(body["activity_id"])
        self.assertEqual(activity.channel, "api")
        self.assertEqual(activity.create_uid, self.robot)
        self.assertEqual(activity.account_id.name, "Quetzal Robotics")
        status, again = self._post(self._activity(), **{"Idempotency-Key": "form-123"})
        self.assertEqual((status, again["status"]), (200, "duplicate"))
        self.assertEqual(again["activity_id"], body["activity_id"])
        self.assertEqual(self.key.request_count, 2)

    def test_validation_errors_are_per_field_and_kept(self):
        status, body = self._post(
            self._activity(occurred_at="next week", email="not-an-email", activity_type="")
        )
        self.assertEqual(status, 422)
        self.assertEqual(set(body["errors"]), {"occurred_at", "activity_type"})
        self.assertIn("email", body["warnings"])
        reject = self.env["crm.refinery.intake.reject"].browse(body["reject_id"])
        self.assertEqual(reject.channel, "api")
        self.assertEqual(reject.payload["raw"]["occurred_at"], "next week")
        status, body = self._post(self._activity(activity_type="yodel"))
        self.assertEqual(status, 422)
        self.assertIn("activity_type", body["errors"])
        self.assertEqual(self._post("{not json")[0], 400)
        self.assertEqual(self._post([1, 2])[0], 400)

    def test_batch(self):
        status, body = self._post(
            {"activities": [self._activity(), self._activity(occurred_at="")]}
        )
        self.assertEqual(status, 207)
        self.assertEqual([r["status"] for r in body["results"]], ["created", "rejected"])

    def test_rate_limit(self):
        self.key.write({"burst": 2, "rate_per_minute": 1})
        codes = [self._post(self._activity(contact_name=f"Pat {i}"))[0] for i in range(2)]
        self.assertEqual(codes[:2], [201, 201])
        response = self.url_open(
            URL,
            data=json.dumps(self._activity(contact_name="Pat 3")),
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 429)
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
