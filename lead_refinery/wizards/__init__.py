from . import crm_lead_reject
from . import crm_refinery_thresholds
from . import res_partner_alias_import
