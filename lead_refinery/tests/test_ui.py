from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRefineryUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, login="lr_tour_rep", name="Tess Tour", groups="sales_team.group_sale_salesman"
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Tour: PLC retrofit", "user_id": cls.rep.id, "type": "lead"}
        )
        cls.env["res.users"].browse(cls.rep.id).groups_id |= cls.env.ref("crm.group_use_lead")

    def test_reject_and_reopen_tour(self):
        self.start_tour("/odoo", "lead_refinery_reject_tour", login="lr_tour_rep")
        self.lead.invalidate_recordset()
        self.assertEqual(self.lead.refinery_stage_code, "lead")
        self.assertTrue(self.lead.active)
        entries = self.lead.refinery_stage_entry_ids.sorted("id").mapped("stage_code")
        self.assertEqual(entries, ["lead", "rejected", "lead"])

    def test_refinery_action_over_real_http(self):
        """The refinery views load for a rep through the JSON-RPC endpoint the web client uses."""
        self.authenticate("lr_tour_rep", "lr_tour_rep")
        action = self.env.ref("lead_refinery.crm_lead_refinery_action")
        response = self.make_jsonrpc_request("/web/action/load", {"action_id": action.id})
        self.assertEqual(response["res_model"], "crm.lead")
        views = self.make_jsonrpc_request(
            "/web/dataset/call_kw/crm.lead/get_views",
            {
                "model": "crm.lead",
                "method": "get_views",
                "args": [],
                "kwargs": {
                    "views": [
                        [self.env.ref("lead_refinery.crm_lead_view_kanban").id, "kanban"],
                        [self.env.ref("lead_refinery.crm_lead_view_list").id, "list"],
                        [self.env.ref("lead_refinery.crm_lead_view_search").id, "search"],
                    ],
                    "options": {},
                },
            },
        )
        self.assertIn("refinery_grade", views["models"]["crm.lead"]["fields"])
