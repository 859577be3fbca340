from odoo.tests import TransactionCase, new_test_user


class RefineryCase(TransactionCase):
    """Own users and data; no reliance on demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.rep = new_test_user(
            cls.env, login="lr_rep", name="Rita Rep", groups="sales_team.group_sale_salesman"
        )
        cls.rep2 = new_test_user(
            cls.env, login="lr_rep2", name="Rob Rep", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, login="lr_manager", name="Mona Manager", groups="sales_team.group_sale_manager"
        )
        cls.Lead = cls.env["crm.lead"]
        cls.Stage = cls.env["crm.refinery.stage"]
        cls.stages = {stage.code: stage for stage in cls.Stage.search([])}
        cls.reason_spam = cls.env.ref("lead_refinery.crm_lost_reason_reject_spam")
        cls.reason_budget = cls.env.ref("lead_refinery.crm_lost_reason_reject_no_budget")

    @classmethod
    def _lead(cls, **values):
        values.setdefault("name", "Evaluation request: servo drives")
        values.setdefault("user_id", cls.rep.id)
        values.setdefault("type", "lead")
        return cls.Lead.create(values)

    def _flush_tracking(self):
        """Tracking messages are written at pre-commit: run it as a commit would."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()
