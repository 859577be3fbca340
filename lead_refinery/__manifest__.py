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
        "python": ["rapidfuzz", "jellyfish", "phonenumbers", "cleanco", "holidays", "zipcodes"],
    },
    "data": [
        "security/lead_refinery_security.xml",
        "security/ir.model.access.csv",
        "data/crm_refinery_stage_data.xml",
        "data/crm_lost_reason_data.xml",
        "views/crm_refinery_stage_views.xml",
        "views/crm_lost_reason_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_team_views.xml",
        "views/res_partner_alias_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_match_views.xml",
        "wizards/res_partner_alias_import_views.xml",
        "wizards/crm_lead_reject_views.xml",
        "wizards/crm_refinery_thresholds_views.xml",
        "views/res_config_settings_views.xml",
        "views/lead_refinery_menus.xml",
    ],
    "demo": [
        "demo/lead_refinery_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "lead_refinery/static/tests/tours/*.js",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "post_init_hook": "post_init_hook",
    "application": False,
    "installable": True,
}
