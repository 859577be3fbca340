{
    "name": "Lead Refinery",
    "summary": "B2B lead refinery: stage ladder, grading, rejection, accountability "
    "for every lead from first touch to final disposition",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "lead_refinery developers",
    "website": "https://github.com/lead-refinery/lead_refinery",
    "depends": ["crm", "portal", "utm"],
    "external_dependencies": {
        "python": ["rapidfuzz", "jellyfish", "phonenumbers", "cleanco", "holidays"],
    },
    "data": [
        "security/lead_refinery_security.xml",
        "security/ir.model.access.csv",
        "data/crm_refinery_stage_data.xml",
        "data/crm_lost_reason_data.xml",
        "data/crm_followup_data.xml",
        "data/ir_cron_data.xml",
        "views/crm_refinery_stage_views.xml",
        "views/crm_lost_reason_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_team_views.xml",
        "wizards/crm_lead_reject_views.xml",
        "wizards/crm_refinery_grading_views.xml",
        "views/res_config_settings_views.xml",
        "views/lead_refinery_menus.xml",
        "views/crm_sla_policy_views.xml",
        "views/crm_contact_plan_views.xml",
        "views/crm_sla_event_views.xml",
        "views/crm_lead_followup_views.xml",
    ],
    "demo": [
        "demo/lead_refinery_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "lead_refinery/static/tests/tours/*.js",
        ],
    },
    "application": False,
    "installable": True,
}
