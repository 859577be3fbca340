/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A rep finds a lead in the refinery kanban, rejects it with a reason, then reopens it.
registry.category("web_tour.tours").add("lead_refinery_reject_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            content: "open the CRM app",
            run: "click",
        },
        {
            trigger: ".o_main_navbar button[data-menu-xmlid='lead_refinery.lead_refinery_menu']",
            content: "open the Refinery menu",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='lead_refinery.crm_lead_refinery_menu']",
            content: "open all refinery leads",
            run: "click",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Lead')) .o_kanban_record:contains('Tour: PLC retrofit')",
            content: "the lead sits in the Lead column",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_open_refinery_reject']",
            content: "reject it",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='reason_id'] input",
            content: "pick a reason",
            run: "edit No budget",
        },
        {
            trigger: ".ui-autocomplete a:contains('No budget')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Capex frozen until 2027",
        },
        {
            trigger: ".modal button[name='action_reject']",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_refinery_reopen']",
            content: "the rejected lead offers Reopen",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_open_refinery_reject']",
            content: "reopened: Reject is offered again",
        },
    ],
});
