from . import crm_lead_reject
from . import crm_refinery_grading
