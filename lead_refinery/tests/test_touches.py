from odoo.tests import tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestTouches(RefineryCase):
    def test_completed_call_and_meeting_count_as_touches(self):
        lead = self._lead().with_user(self.rep)
        for xmlid in ("mail.mail_activity_data_call", "mail.mail_activity_data_meeting"):
            activity = lead.activity_schedule(xmlid, user_id=self.rep.id)
            activity.action_feedback(feedback="Spoke with the plant manager")
        self.assertEqual(lead.touch_count, 2)
        self.assertTrue(lead.date_last_touch)

    def test_todo_and_internal_notes_do_not_count(self):
        lead = self._lead().with_user(self.rep)
        lead.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.rep.id
        ).action_feedback()
        lead.message_post(body="Internal: check credit", subtype_xmlid="mail.mt_note")
        self.assertEqual(lead.touch_count, 0)

    def test_email_sent_to_the_buyer_counts(self):
        buyer = self.env["res.partner"].create({"name": "Bea Buyer", "email": "bea@acme-fluid.com"})
        lead = self._lead(partner_id=buyer.id).with_user(self.rep)
        lead.message_post(
            body="Following up on your evaluation request",
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
            partner_ids=buyer.ids,
        )
        self.assertEqual(lead.touch_count, 1)

    def test_customer_reply_is_not_our_touch(self):
        buyer = self.env["res.partner"].create({"name": "Bea Buyer", "email": "bea@acme-fluid.com"})
        lead = self._lead(partner_id=buyer.id)
        lead.message_post(
            body="Thanks, call me Tuesday",
            author_id=buyer.id,
            subtype_xmlid="mail.mt_comment",
            message_type="email",
        )
        self.assertEqual(lead.touch_count, 0)
