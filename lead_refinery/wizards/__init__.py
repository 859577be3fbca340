from . import crm_lead_reject
from . import crm_refinery_thresholds
from . import res_partner_alias_import
from . import crm_territory_tools
from . import crm_refinery_activity_log
from . import crm_refinery_activity_import
