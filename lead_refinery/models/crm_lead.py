from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import grading, ladder

# Pipeline fields whose change may move a lead on the refinery ladder.
_PIPELINE_FIELDS = frozenset({"type", "stage_id", "active", "probability"})


class CrmLead(models.Model):
    _inherit = "crm.lead"

    refinery_stage_id = fields.Many2one(
        "crm.refinery.stage",
        string="Refinery stage",
        index=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_refinery_stage_ids",
        help="How refined the lead is, from raw touch to final disposition "
        "(separate from the sales pipeline stage).",
    )
    refinery_stage_code = fields.Selection(related="refinery_stage_id.code", store=True)
    refinery_max_rank = fields.Integer(
        string="Highest rank reached", readonly=True, copy=False, aggregator="max"
    )
    refinery_max_stage_id = fields.Many2one(
        "crm.refinery.stage",
        string="Highest stage reached",
        compute="_compute_refinery_max_stage_id",
        store=True,
    )
    refinery_date_stage = fields.Datetime(
        string="In refinery stage since", readonly=True, copy=False
    )
    refinery_stage_entry_ids = fields.One2many(
        "crm.refinery.stage.entry", "lead_id", string="Refinery history", readonly=True
    )
    refinery_reject_note = fields.Text(string="Rejection note", tracking=True, copy=False)
    refinery_reject_date = fields.Datetime(string="Rejected on", readonly=True, copy=False)
    refinery_rejected_by_id = fields.Many2one(
        "res.users", string="Rejected by", readonly=True, copy=False
    )
    is_good_lead = fields.Boolean(
        string="Good lead",
        compute="_compute_is_good_lead",
        store=True,
        index=True,
        help="Reached at least the Lead stage and was not rejected: the one definition "
        "every refinery report counts.",
    )
    refinery_grade = fields.Selection(
        [(grade, grade) for grade in grading.GRADES],
        string="Grade",
        compute="_compute_refinery_grade",
        store=True,
        index=True,
        help="A to D, from the expected revenue band and the probability band "
        "(thresholds in CRM settings).",
    )
    refinery_unowned = fields.Boolean(
        string="Unowned",
        compute="_compute_refinery_unowned",
        store=True,
        index=True,
        help="Past the touch stage without an accountable owner: in the unowned queue.",
    )
    touch_count = fields.Integer(
        string="Touches", readonly=True, copy=False, help="Calls, emails and meetings logged."
    )
    date_last_touch = fields.Datetime(string="Last touch", readonly=True, copy=False)

    # ------------------------------------------------------------------ computes

    @api.depends("refinery_max_rank")
    def _compute_refinery_max_stage_id(self):
        stages = self.env["crm.refinery.stage"].search([("rank", ">", 0)])
        by_rank = {stage.rank: stage for stage in stages}
        for lead in self:
            lead.refinery_max_stage_id = by_rank.get(lead.refinery_max_rank, False)

    @api.depends("refinery_max_rank", "refinery_stage_code")
    def _compute_is_good_lead(self):
        for lead in self:
            lead.is_good_lead = ladder.is_good(lead.refinery_max_rank, lead.refinery_stage_code)

    @api.depends(
        "expected_revenue",
        "probability",
        "company_id.refinery_worth_high",
        "company_id.refinery_worth_medium",
        "company_id.refinery_probability_high",
        "company_id.refinery_probability_medium",
    )
    def _compute_refinery_grade(self):
        thresholds = {}
        for lead in self:
            company = lead.company_id or self.env.company
            if company not in thresholds:
                thresholds[company] = company._refinery_grade_thresholds()
            lead.refinery_grade = self._refinery_grade(
                lead.expected_revenue, lead.probability, thresholds[company]
            )

    @api.model
    def _refinery_grade(self, worth, probability, thresholds):
        """Hook: the grade of a lead. Override to grade on other criteria."""
        return grading.grade(worth, probability, thresholds)

    @api.depends("user_id", "refinery_stage_code", "active")
    def _compute_refinery_unowned(self):
        for lead in self:
            lead.refinery_unowned = (
                lead.active
                and not lead._refinery_has_owner()
                and ladder.needs_owner(lead.refinery_stage_code)
            )

    def _refinery_has_owner(self):
        """Hook: whether someone is accountable for the lead (routing adds partners)."""
        self.ensure_one()
        return bool(self.user_id)

    @api.model
    def _read_group_refinery_stage_ids(self, stages, domain):
        return stages.search([("code", "in", ladder.ALL_CODES)])

    @api.constrains("refinery_stage_id", "lost_reason_id")
    def _check_refinery_reject_reason(self):
        for lead in self:
            if (
                lead.refinery_stage_code == ladder.REJECTED
                and not lead.lost_reason_id.is_reject_reason
            ):
                raise ValidationError(
                    _(
                        "Lead “%s” cannot be rejected without a reason: pick a rejection reason "
                        "(spam, duplicate, no budget, ...) with the Reject button.",
                        lead.display_name,
                    )
                )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        stages = self._refinery_stages()
        default_type = None
        for vals in vals_list:
            if not vals.get("refinery_stage_id"):
                if "type" not in vals and default_type is None:
                    default_type = self.default_get(["type"]).get("type")
                is_opportunity = vals.get("type", default_type) == "opportunity"
                vals["refinery_stage_id"] = stages[
                    ladder.OPPORTUNITY if is_opportunity else ladder.LEAD
                ].id
            stage = self.env["crm.refinery.stage"].browse(vals["refinery_stage_id"])
            vals["refinery_max_rank"] = max(vals.get("refinery_max_rank", 0), stage.rank)
            vals.setdefault("refinery_date_stage", now)
        leads = super().create(vals_list)
        self.env["crm.refinery.stage.entry"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "stage_id": lead.refinery_stage_id.id,
                    "date_in": lead.refinery_date_stage,
                }
                for lead in leads
            ]
        )
        return leads

    def write(self, vals):
        moving = "refinery_stage_id" in vals
        before = {lead.id: lead.refinery_stage_id for lead in self} if moving else {}
        if moving:
            vals = dict(vals, refinery_date_stage=fields.Datetime.now())
        reason = self.env.context.get("refinery_owner_reason")
        if reason and not {"user_id", "refinery_partner_id"}.isdisjoint(vals):
            # Per lead: several owner changes with different reasons may end
            # in one transaction, and tracking is only written at its end.
            self._track_set_log_message(reason)
        result = super().write(vals)
        if moving:
            self._refinery_record_moves(before)
        elif _PIPELINE_FIELDS.intersection(vals):
            self._refinery_follow_pipeline()
        return result

    def _refinery_stages(self):
        """Ladder stages by code (a single query)."""
        stages = self.env["crm.refinery.stage"].sudo().search([("code", "in", ladder.ALL_CODES)])
        return {stage.code: stage for stage in stages}

    def _refinery_record_moves(self, before):
        """Log the stage entries, raise the highest rank and note deliberate moves.

        Moves that merely follow Odoo's pipeline (conversion, won, lost,
        restore) are already told by the pipeline's own tracking; deliberate
        ladder moves get a chatter note, worded as a warning when they go
        back down the ladder.
        """
        now = fields.Datetime.now()
        Entry = self.env["crm.refinery.stage.entry"].sudo()
        moved = self.filtered(lambda lead: before.get(lead.id) != lead.refinery_stage_id)
        if not moved:
            return
        Entry.search([("lead_id", "in", moved.ids), ("date_out", "=", False)]).date_out = now
        context = self.env.context
        log = not (context.get("refinery_follows_pipeline") or context.get("tracking_disable"))
        entries = []
        for lead in moved:
            old = before[lead.id]
            step = ladder.move(old.code, lead.refinery_stage_code, lead.refinery_max_rank)
            entries.append(
                {
                    "lead_id": lead.id,
                    "stage_id": lead.refinery_stage_id.id,
                    "date_in": now,
                    "backwards": step.backwards,
                }
            )
            if step.new_max_rank != lead.refinery_max_rank:
                lead.refinery_max_rank = step.new_max_rank
            if log and old:
                lead._refinery_log_move(old, step.backwards)
        Entry.create(entries)

    def _refinery_log_move(self, old_stage, backwards):
        self.ensure_one()
        if backwards:
            text = _(
                "Moved back down the refinery ladder, from %(old)s to %(new)s.",
                old=old_stage.name,
                new=self.refinery_stage_id.name,
            )
        else:
            text = _(
                "Refinery stage: %(old)s → %(new)s.",
                old=old_stage.name,
                new=self.refinery_stage_id.name,
            )
        self._message_log(body=Markup("<p>%s</p>") % text)

    def _refinery_follow_pipeline(self):
        """Keep the ladder in step with conversions, wins, losses and restores."""
        stages = None
        targets = {}
        for lead in self:
            closed = lead.refinery_stage_code in (ladder.LOST, ladder.REJECTED)
            previous = lead._refinery_previous_code() if closed and lead.active else None
            code = ladder.implied_by_crm(
                lead.refinery_stage_code,
                active=lead.active,
                is_won=lead.stage_id.is_won and lead.probability == 100,
                is_opportunity=lead.type == "opportunity",
                previous_code=previous,
            )
            if code:
                targets.setdefault(code, self.browse())
                targets[code] |= lead
        for code, leads in targets.items():
            stages = stages or self._refinery_stages()
            leads.with_context(refinery_follows_pipeline=True).write(
                {"refinery_stage_id": stages[code].id}
            )

    def _refinery_place_existing(self):
        """Give leads created before the install the ladder stage their pipeline state implies.

        Written in SQL (the leads are not being moved by anyone, and an install on a
        large CRM must stay quick); the stored fields that depend on the stage are
        then recomputed through ``modified``.
        """
        stages = self._refinery_stages()
        groups = {}
        for lead in self:
            code = ladder.implied_by_crm(
                ladder.LEAD,
                active=lead.active,
                is_won=lead.stage_id.is_won and lead.probability == 100,
                is_opportunity=lead.type == "opportunity",
            )
            groups.setdefault(code or ladder.LEAD, []).append(lead.id)
        for code, ids in groups.items():
            reached = ladder.OPPORTUNITY if code == ladder.LOST else code
            self.env.cr.execute(
                "UPDATE crm_lead SET refinery_stage_id = %s, refinery_max_rank = %s, "
                "refinery_date_stage = create_date WHERE id IN %s",
                (stages[code].id, stages[reached].rank, tuple(ids)),
            )
        fnames = ["refinery_stage_id", "refinery_max_rank", "refinery_date_stage"]
        self.invalidate_recordset(fnames)
        self.modified(fnames)
        self.env["crm.refinery.stage.entry"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "stage_id": lead.refinery_stage_id.id,
                    "date_in": lead.create_date,
                }
                for lead in self
            ]
        )

    def _refinery_previous_code(self):
        """The ladder stage the lead was in before its current one."""
        self.ensure_one()
        entries = self.refinery_stage_entry_ids.sorted(lambda entry: (entry.date_in, entry.id))
        return entries[-2].stage_code if len(entries) > 1 else None

    def _track_get_default_log_message(self, tracked_fields):
        """Say why the owner changed; the tracking message already says who and when."""
        if "user_id" in tracked_fields:
            reason = self.env.context.get("refinery_owner_reason")
            return reason or _("Owner changed by hand by %s.", self.env.user.name)
        return super()._track_get_default_log_message(tracked_fields)

    # ------------------------------------------------------------------ touches

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if self._refinery_is_touch(message):
            self.sudo().write(
                {"touch_count": self.touch_count + 1, "date_last_touch": message.date}
            )
        return result

    @api.model
    def _refinery_is_touch(self, message):
        """A touch is a call, email or meeting by our side: a completed activity
        of a touch type, or a message sent (not a note) by an internal user."""
        author_user = message.author_id.user_ids[:1]
        if not author_user or author_user.share:
            return False
        if message.mail_activity_type_id:
            return message.mail_activity_type_id.refinery_touch
        return message.subtype_id == self.env.ref("mail.mt_comment") and message.message_type in (
            "comment",
            "email",
            "email_outgoing",
        )

    # ------------------------------------------------------------------ actions

    def action_refinery_reject(self, reason, note=False):
        """Reject the leads: archived with a managed reason, still counted and searchable."""
        if not reason or not reason.is_reject_reason:
            raise UserError(_("Rejecting a lead needs a rejection reason."))
        stage = self._refinery_stages()[ladder.REJECTED]
        self.write(
            {
                "refinery_stage_id": stage.id,
                "lost_reason_id": reason.id,
                "refinery_reject_note": note or False,
                "refinery_reject_date": fields.Datetime.now(),
                "refinery_rejected_by_id": self.env.uid,
                "active": False,
                "probability": 0,
            }
        )
        return True

    def action_refinery_reopen(self):
        """Bring rejected leads back to the stage they were rejected from."""
        rejected = self.filtered(lambda lead: lead.refinery_stage_code == ladder.REJECTED)
        if not rejected:
            raise UserError(_("Only rejected leads can be reopened."))
        for lead in rejected:
            lead._track_set_log_message(Markup("<p>%s</p>") % _("Rejected lead reopened."))
        # Restoring follows the pipeline back to the previous stage (see write).
        rejected.action_unarchive()
        rejected.write({"refinery_reject_date": False, "refinery_rejected_by_id": False})
        return True

    def action_open_refinery_reject(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject leads"),
            "res_model": "crm.lead.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": "crm.lead"},
        }
